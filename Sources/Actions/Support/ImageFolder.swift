import FileAccess
import Dataset
import Engine
import Figures
import Foundation

/// A folder with one sub-folder of PNG images per class — torchvision's `ImageFolder` layout:
///
/// ```text
/// photos/
///   boot/  a.png b.png …
///   shirt/ c.png …
/// ```
///
/// Class names are the sub-folder names in sorted order; every image is brought to one declared
/// size (area averaging) and to grey (ITU-R BT.601 luma) or RGB.
enum ImageFolder {
    /// The largest PNG file read (a 16-megapixel photo is about 20 MB).
    static let maximumImageFileSize = 256 << 20

    /// Whether `directory` looks like an image folder: sub-folders holding `.png` files.
    static func looksLikeImageFolder(_ directory: String) -> Bool {
        !((try? classFolders(in: directory)) ?? []).isEmpty
    }

    /// The class sub-folders (sorted) and their PNG files (sorted).
    static func classFolders(in directory: String) throws -> [(name: String, files: [String])] {
        let manager = FileManager.default
        let entries = try manager.contentsOfDirectory(atPath: directory).sorted()
        var classes: [(String, [String])] = []
        for entry in entries where !entry.hasPrefix(".") {
            let path = (directory as NSString).appendingPathComponent(entry)
            var isDirectory: ObjCBool = false
            guard manager.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else { continue }
            let files = try manager.contentsOfDirectory(atPath: path).filter { $0.lowercased().hasSuffix(".png") }.sorted()
                .map { (path as NSString).appendingPathComponent($0) }
            if !files.isEmpty { classes.append((entry, files)) }
        }
        return classes
    }

    /// Every image file, in class then file order (for cache identity).
    static func files(in directory: String) throws -> [String] {
        try classFolders(in: directory).flatMap(\.files)
    }

    /// Reads every image, resized to `height × width` with `channels` (1 grey, 3 RGB).
    ///
    /// - Throws: an ``ActionError`` naming the file that is not a readable PNG.
    static func load(_ directory: String, channels: Int, height: Int, width: Int,
                     progress: (Int, Int) -> Void) throws -> LabeledImages {
        let classes = try classFolders(in: directory)
        guard !classes.isEmpty else {
            throw ActionError("'\(directory)' has no class sub-folders with .png images in them", parameter: LoadParameters.name(of: \.dataset))
        }
        let total = classes.reduce(0) { $0 + $1.files.count }
        var pixels: [UInt8] = []
        pixels.reserveCapacity(total * channels * height * width)
        var labels: [Int32] = []
        labels.reserveCapacity(total)
        var done = 0
        for (label, entry) in classes.enumerated() {
            for file in entry.files {
                let data: Data
                do {
                    data = try RegularFile.read(atPath: file, limit: maximumImageFileSize)
                } catch {
                    throw ActionError("cannot read the image: \(error)", parameter: LoadParameters.name(of: \.dataset))
                }
                let image: PNGImage
                do {
                    image = try PNGImage.decode(data)
                } catch {
                    throw ActionError("'\(file)' is not a readable PNG image (\(error))", parameter: LoadParameters.name(of: \.dataset))
                }
                pixels += planes(of: image, channels: channels, height: height, width: width)
                labels.append(Int32(label))
                done += 1
                if done % 256 == 0 || done == total { progress(done, total) }
            }
        }
        return LabeledImages(pixels: pixels, labels: labels, channels: channels, height: height, width: width,
                             classNames: classes.map(\.name))
    }

    /// One image as `channels` planes of `height × width` bytes.
    static func planes(of image: PNGImage, channels: Int, height: Int, width: Int) -> [UInt8] {
        let source: [Float]
        let sourceChannels: Int
        if channels == 1 {
            source = ImagePreparation.luma(image)
            sourceChannels = 1
        } else if image.channels == 3 {
            source = image.pixels.map(Float.init)
            sourceChannels = 3
        } else {
            source = image.pixels.flatMap { [Float($0), Float($0), Float($0)] }
            sourceChannels = 3
        }
        let resized = ImagePreparation.resizeByArea(source, width: image.width, height: image.height,
                                                    channels: sourceChannels, toWidth: width, toHeight: height)
        var planes = [UInt8](repeating: 0, count: channels * height * width)
        for y in 0..<height {
            for x in 0..<width {
                for channel in 0..<channels {
                    let value = resized[(y * width + x) * sourceChannels + channel].rounded()
                    planes[(channel * height + y) * width + x] = UInt8(max(0, min(255, value)))
                }
            }
        }
        return planes
    }
}
