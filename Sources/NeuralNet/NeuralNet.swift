/// The `NeuralNet` module. (Being built: see the module's issue.)
public enum NeuralNetModule { public static let name = "NeuralNet" }
