/// An RGB raster that writes itself as PNG: enough drawing for a chart (pixels, lines, rectangles, text in
/// a small bitmap font) with no image library, which this platform's toolchain lacks. The image data is
/// stored uncompressed (deflate "stored" blocks), which every PNG reader accepts.
public struct PNGImage: Sendable {
    public struct Color: Sendable, Hashable {
        public var r, g, b: UInt8
        public init(_ r: UInt8, _ g: UInt8, _ b: UInt8) { (self.r, self.g, self.b) = (r, g, b) }
        public static let white = Color(255, 255, 255)
        public static let black = Color(0, 0, 0)
        public static let grid = Color(225, 225, 225)
        public static let axis = Color(90, 90, 90)
    }

    public let width: Int
    public let height: Int
    private var pixels: [UInt8]

    public init(width: Int, height: Int, background: Color = .white) {
        self.width = width
        self.height = height
        pixels = [UInt8](repeating: 0, count: width * height * 3)
        for i in 0..<(width * height) { (pixels[3 * i], pixels[3 * i + 1], pixels[3 * i + 2]) = (background.r, background.g, background.b) }
    }

    public func pixel(_ x: Int, _ y: Int) -> Color? {
        guard x >= 0, y >= 0, x < width, y < height else { return nil }
        let i = 3 * (y * width + x)
        return Color(pixels[i], pixels[i + 1], pixels[i + 2])
    }

    public mutating func set(_ x: Int, _ y: Int, _ color: Color) {
        guard x >= 0, y >= 0, x < width, y < height else { return }
        let i = 3 * (y * width + x)
        (pixels[i], pixels[i + 1], pixels[i + 2]) = (color.r, color.g, color.b)
    }

    public mutating func fill(x: Int, y: Int, width w: Int, height h: Int, _ color: Color) {
        for yy in y..<(y + h) { for xx in x..<(x + w) { set(xx, yy, color) } }
    }

    /// A line `thickness` pixels wide (Bresenham, with a square brush).
    public mutating func line(from a: (x: Int, y: Int), to b: (x: Int, y: Int), _ color: Color, thickness: Int = 1) {
        var (x, y) = a
        let dx = abs(b.x - a.x), dy = -abs(b.y - a.y)
        let sx = a.x < b.x ? 1 : -1, sy = a.y < b.y ? 1 : -1
        var error = dx + dy
        let half = thickness / 2
        while true {
            fill(x: x - half, y: y - half, width: thickness, height: thickness, color)
            if x == b.x && y == b.y { break }
            let e2 = 2 * error
            if e2 >= dy {
                error += dy
                x += sx
            }
            if e2 <= dx {
                error += dx
                y += sy
            }
        }
    }

    /// Text in the bitmap font, `scale` pixels per font dot, top-left at (x, y). Letters print lower-case.
    public mutating func text(_ string: String, x: Int, y: Int, _ color: Color = .black, scale: Int = 2) {
        var cursor = x
        for character in string.lowercased() {
            if let rows = BitmapFont.glyph(character) {
                for (row, bits) in rows.enumerated() {
                    for column in 0..<5 where bits & (0b10000 >> column) != 0 {
                        fill(x: cursor + column * scale, y: y + row * scale, width: scale, height: scale, color)
                    }
                }
            }
            cursor += 6 * scale
        }
    }

    public static func textWidth(_ string: String, scale: Int = 2) -> Int { string.count * 6 * scale }

    /// The PNG file.
    public func png() -> [UInt8] {
        var raw: [UInt8] = []
        raw.reserveCapacity(height * (width * 3 + 1))
        for y in 0..<height {
            raw.append(0)  // filter: none
            raw += pixels[(y * width * 3)..<((y + 1) * width * 3)]
        }
        var zlib: [UInt8] = [0x78, 0x01]
        var offset = 0
        repeat {
            let count = min(65_535, raw.count - offset)
            let final: UInt8 = offset + count == raw.count ? 1 : 0
            zlib.append(final)
            zlib += [UInt8(count & 0xff), UInt8(count >> 8), UInt8(~count & 0xff), UInt8((~count >> 8) & 0xff)]
            zlib += raw[offset..<(offset + count)]
            offset += count
        } while offset < raw.count
        zlib += Self.bigEndian(Self.adler32(raw))

        var file: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        var header = Self.bigEndian(UInt32(width)) + Self.bigEndian(UInt32(height))
        header += [8, 2, 0, 0, 0]  // 8 bits per channel, RGB, deflate, no filter method, no interlace
        file += Self.chunk("IHDR", header)
        file += Self.chunk("IDAT", zlib)
        file += Self.chunk("IEND", [])
        return file
    }

    static func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
        let typed = Array(type.utf8) + data
        return bigEndian(UInt32(data.count)) + typed + bigEndian(crc32(typed))
    }

    static func bigEndian(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24), UInt8((value >> 16) & 0xff), UInt8((value >> 8) & 0xff), UInt8(value & 0xff)]
    }

    static let crcTable: [UInt32] = (0..<256).map { n in
        var c = UInt32(n)
        for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }

    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var c: UInt32 = 0xFFFF_FFFF
        for byte in bytes { c = crcTable[Int((c ^ UInt32(byte)) & 0xff)] ^ (c >> 8) }
        return c ^ 0xFFFF_FFFF
    }

    static func adler32(_ bytes: [UInt8]) -> UInt32 {
        var a: UInt32 = 1, b: UInt32 = 0
        for byte in bytes {
            a = (a + UInt32(byte)) % 65_521
            b = (b + a) % 65_521
        }
        return b << 16 | a
    }
}
