/// Every visual choice of the Figures module in one place: palette, fonts, lines and spacing.
///
/// The default, ``standard``, follows seaborn's `whitegrid` style: white background, light
/// grey grid lines behind the data, the colour-blind-safe ``colorblindPalette`` and
/// DejaVu Sans, sized for a 640×400 figure read at 100% in a Markdown page.
public struct Theme: Equatable, Sendable {
    /// Colours given to series, groups and classes in order; repeated when exhausted.
    public var palette: [Color]
    /// The font family, resolved by fontconfig through Cairo's toy font API.
    public var fontFamily: String
    /// Size of a figure's title, in points.
    public var figureTitleSize: Double
    /// Size of a panel's title, in points.
    public var titleSize: Double
    /// Size of axis labels, in points.
    public var labelSize: Double
    /// Size of tick labels, legend entries and captions, in points.
    public var tickSize: Double
    /// Size of numbers written inside bars and heatmap cells, in points.
    public var annotationSize: Double
    /// The figure's background.
    public var background: Color
    /// Colour of titles, labels and tick labels.
    public var textColor: Color
    /// Colour of the grid lines.
    public var gridColor: Color
    /// Colour of the frame around the plot area.
    public var spineColor: Color
    /// Width of data lines, in points.
    public var lineWidth: Double
    /// Empty space kept around the whole figure and between its parts, in points.
    public var padding: Double

    /// Creates a theme; every parameter defaults to the ``standard`` value.
    ///
    /// - Parameters:
    ///   - palette: Series colours.
    ///   - fontFamily: Font family name.
    ///   - figureTitleSize: Figure title size.
    ///   - titleSize: Panel title size.
    ///   - labelSize: Axis label size.
    ///   - tickSize: Tick label size.
    ///   - annotationSize: In-cell number size.
    ///   - background: Background colour.
    ///   - textColor: Text colour.
    ///   - gridColor: Grid line colour.
    ///   - spineColor: Plot frame colour.
    ///   - lineWidth: Data line width.
    ///   - padding: Outer and inner spacing.
    public init(
        palette: [Color] = Theme.colorblindPalette,
        fontFamily: String = "DejaVu Sans",
        figureTitleSize: Double = 15,
        titleSize: Double = 13,
        labelSize: Double = 12,
        tickSize: Double = 10.5,
        annotationSize: Double = 10,
        background: Color = .white,
        textColor: Color = Color(grey: 0.15),
        gridColor: Color = Color(grey: 0.88),
        spineColor: Color = Color(grey: 0.75),
        lineWidth: Double = 2,
        padding: Double = 10
    ) {
        precondition(!palette.isEmpty, "A theme needs at least one palette colour.")
        self.palette = palette
        self.fontFamily = fontFamily
        self.figureTitleSize = figureTitleSize
        self.titleSize = titleSize
        self.labelSize = labelSize
        self.tickSize = tickSize
        self.annotationSize = annotationSize
        self.background = background
        self.textColor = textColor
        self.gridColor = gridColor
        self.spineColor = spineColor
        self.lineWidth = lineWidth
        self.padding = padding
    }

    /// The default theme.
    public static let standard = Theme()

    /// Ten class colours that stay apart with the common forms of colour blindness: the seven
    /// chromatic Okabe–Ito colours (Okabe and Ito, 2008) in seaborn's order, then dark grey and
    /// Paul Tol's indigo and a dark brown in place of Okabe–Ito's black.
    ///
    /// Every pair differs by a CIEDE2000 ΔE of at least 20 with normal vision and at least 11.5
    /// under simulated protanopia and deuteranopia (Machado et al., 2009); the closest pair
    /// is orange and yellow under deuteranopia. seaborn's `colorblind` palette, used before, has
    /// pairs 5.7 apart under protanopia and gave Coat and Shirt two pinks. In class order for
    /// Fashion-MNIST: T-shirt/top blue, Trouser orange, Pullover green, Dress vermillion, Coat
    /// reddish purple, Sandal sky blue, Shirt brown, Sneaker grey, Bag yellow, Ankle boot indigo.
    public static let colorblindPalette: [Color] = [
        0x0072B2, 0xE69F00, 0x009E73, 0xD55E00, 0xCC79A7,
        0x56B4E9, 0x772200, 0x555555, 0xF0E442, 0x332288,
    ].map { Color(hex: $0) }

    /// The palette colour for series or class `index`, cycling through the palette.
    ///
    /// - Parameter index: A non-negative index.
    public func color(_ index: Int) -> Color {
        palette[((index % palette.count) + palette.count) % palette.count]
    }
}
