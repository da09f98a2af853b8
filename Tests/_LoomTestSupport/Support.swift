/// Helpers shared by every test target.
public enum LoomTestSupport {}
