import ArgumentParser
import Foundation
import TensorClient
import TensorEngine
import TensorWire

/// Reading arguments and writing answers.
enum Output {
    static func print(_ text: String) {
        FileHandle.standardOutput.write(Data((text + "\n").utf8))
    }

    static func error(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }

    /// A tensor as JSON, with its name when it has one.
    static func tensor(_ t: Tensor, name: String? = nil) -> String {
        var w = JSONWriter()
        TensorCodec.encode(t, name: name, into: &w)
        return String(decoding: w.take(), as: UTF8.self)
    }

    /// `{"outputs": [...]}`.
    static func outputs(_ tensors: [(name: String?, tensor: Tensor)]) -> String {
        "{\"outputs\": [" + tensors.map { tensor($0.tensor, name: $0.name) }.joined(separator: ", ") + "]}"
    }

    /// A table with a header, columns padded to their widest cell.
    static func table(_ header: [String], _ rows: [[String]]) -> String {
        let all = [header] + rows
        let widths = header.indices.map { i in all.map { $0[i].count }.max() ?? 0 }
        return all.map { row in
            row.enumerated().map { i, cell in i == row.count - 1 ? cell : cell.padding(toLength: widths[i], withPad: " ", startingAt: 0) }
                .joined(separator: "  ")
        }.joined(separator: "\n")
    }
}

enum Input {
    /// JSON given inline (starting with `{` or `[`), `-` for standard input, or a file's contents.
    static func json(_ argument: String) throws -> JSONValue {
        let text = try self.text(argument)
        do { return try JSONParser().parse(text) } catch {
            throw ValidationError("'\(argument.prefix(60))' is not JSON: \(error.message)")
        }
    }

    static func text(_ argument: String) throws -> String {
        let trimmed = argument.drop { $0 == " " || $0 == "\n" }
        if trimmed.hasPrefix("{") || trimmed.hasPrefix("[") { return argument }
        if argument == "-" { return String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self) }
        guard let data = FileManager.default.contents(atPath: argument) else {
            throw ValidationError("cannot read '\(argument)': give JSON, a file, '-' or @name")
        }
        return String(decoding: data, as: UTF8.self)
    }

    /// A tensor argument: `@name` for a stored tensor, or a tensor object (inline, file or stdin).
    static func tensor(_ argument: String) throws -> TensorInput {
        if argument.hasPrefix("@") { return .ref(String(argument.dropFirst())) }
        let json = try self.json(argument)
        do { return try TensorCodec(maxElements: .max).decode(json, at: "") } catch {
            throw ValidationError("'\(argument.prefix(60))' is not a tensor: \(error.message)")
        }
    }

    /// `k=v`: `v` as JSON when it is JSON (`1`, `2.0`, `true`, `[0, 1]`, `null`), else as a string (`sum`).
    static func argument(_ pair: String) throws -> (String, JSONValue) {
        guard let eq = pair.firstIndex(of: "="), eq != pair.startIndex else { throw ValidationError("--arg takes k=v, got '\(pair)'") }
        let key = String(pair[..<eq])
        let text = String(pair[pair.index(after: eq)...])
        return (key, (try? JSONParser().parse(text)) ?? .string(text))
    }
}

/// Binary files named on the command line.
enum Files {
    /// Whether `path` names a `.ext` file, in any case (`X.NPY` is a .npy file).
    static func hasExtension(_ path: String, _ ext: String) -> Bool {
        path.lowercased().hasSuffix("." + ext)
    }

    static func read(_ path: String) throws -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else { throw ValidationError("cannot read '\(path)'") }
        return [UInt8](data)
    }

    static func write(_ bytes: [UInt8], to path: String) throws {
        do { try Data(bytes).write(to: URL(fileURLWithPath: path), options: .atomic) } catch {
            throw ValidationError("cannot write '\(path)': \(error.localizedDescription)")
        }
    }
}
