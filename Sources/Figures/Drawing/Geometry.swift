/// A width and height in points (one point is one pixel at scale 1).
public struct Size: Equatable, Hashable, Sendable {
    /// Horizontal extent in points.
    public var width: Double
    /// Vertical extent in points.
    public var height: Double

    /// Creates a size.
    ///
    /// - Parameters:
    ///   - width: Horizontal extent in points.
    ///   - height: Vertical extent in points.
    public init(width: Double, height: Double) {
        self.width = width
        self.height = height
    }
}

/// A position in points, measured from the top-left corner, y growing downwards.
public struct Point: Equatable, Hashable, Sendable {
    /// Distance from the left edge.
    public var x: Double
    /// Distance from the top edge.
    public var y: Double

    /// Creates a point.
    ///
    /// - Parameters:
    ///   - x: Distance from the left edge.
    ///   - y: Distance from the top edge.
    public init(x: Double, y: Double) {
        self.x = x
        self.y = y
    }
}

/// An axis-aligned rectangle in points.
public struct Rect: Equatable, Hashable, Sendable {
    /// Left edge.
    public var x: Double
    /// Top edge.
    public var y: Double
    /// Width, never negative for a rectangle made by the layout code.
    public var width: Double
    /// Height, never negative for a rectangle made by the layout code.
    public var height: Double

    /// Creates a rectangle from its top-left corner and size.
    ///
    /// - Parameters:
    ///   - x: Left edge.
    ///   - y: Top edge.
    ///   - width: Width.
    ///   - height: Height.
    public init(x: Double, y: Double, width: Double, height: Double) {
        self.x = x
        self.y = y
        self.width = width
        self.height = height
    }

    /// The right edge, `x + width`.
    public var maxX: Double { x + width }
    /// The bottom edge, `y + height`.
    public var maxY: Double { y + height }
    /// The horizontal centre.
    public var midX: Double { x + width / 2 }
    /// The vertical centre.
    public var midY: Double { y + height / 2 }

    /// The rectangle shrunk by the given amounts on each side (never below zero size).
    ///
    /// - Parameters:
    ///   - top: Points removed at the top.
    ///   - left: Points removed at the left.
    ///   - bottom: Points removed at the bottom.
    ///   - right: Points removed at the right.
    public func inset(top: Double = 0, left: Double = 0, bottom: Double = 0, right: Double = 0) -> Rect {
        Rect(x: x + left, y: y + top,
             width: max(0, width - left - right), height: max(0, height - top - bottom))
    }

    /// Whether the two rectangles share interior area (touching edges do not count).
    ///
    /// - Parameter other: The other rectangle.
    public func intersects(_ other: Rect) -> Bool {
        x < other.maxX && other.x < maxX && y < other.maxY && other.y < maxY
    }

    /// Whether `other` lies entirely inside this rectangle (edges included).
    ///
    /// - Parameter other: The rectangle to test.
    public func contains(_ other: Rect) -> Bool {
        other.x >= x && other.y >= y && other.maxX <= maxX && other.maxY <= maxY
    }

    /// Whether the point lies inside the rectangle (edges included).
    ///
    /// - Parameter point: The point to test.
    public func contains(_ point: Point) -> Bool {
        point.x >= x && point.x <= maxX && point.y >= y && point.y <= maxY
    }
}
