import ClinicTUI
import Foundation
import TOMLKit

/// How each `StyleRole` looks: colours (for terminals that have them) and attributes.
/// Themes are TOML files in `themes/`; the default is also compiled in, so a broken or missing
/// file never leaves the app without one.
public struct Theme: Equatable, Sendable {
    public struct Style: Equatable, Sendable {
        /// nil = the terminal's own; 0–255 = a palette colour.
        public var foreground: Int?
        public var background: Int?
        public var bold = false
        public var dim = false
        public var underline = false
        public var reverse = false

        public init(foreground: Int? = nil, background: Int? = nil, bold: Bool = false, dim: Bool = false, underline: Bool = false,
                    reverse: Bool = false) {
            self.foreground = foreground
            self.background = background
            self.bold = bold
            self.dim = dim
            self.underline = underline
            self.reverse = reverse
        }
    }

    public var name: String
    public var styles: [StyleRole: Style]

    /// What `themes/default.toml` says (a test keeps the two the same).
    public static let builtIn = Theme(name: "default", styles: [
        .normal: Style(), .dim: Style(dim: true), .bold: Style(bold: true), .title: Style(foreground: 6, bold: true),
        .selected: Style(foreground: 0, background: 6, bold: true), .selectedDim: Style(reverse: true),
        .accent: Style(foreground: 6), .error: Style(foreground: 1, bold: true), .warning: Style(foreground: 3, bold: true),
        .success: Style(foreground: 2), .keyHint: Style(foreground: 0, background: 7), .statusBar: Style(foreground: 7, background: 4, bold: true),
        .locked: Style(dim: true), .input: Style(underline: true), .inputFocused: Style(foreground: 7, background: 0, bold: true),
    ])

    /// Without colour (NO_COLOR, --no-color, or a terminal without colours) the attributes carry the meaning.
    public static let monochrome = Theme(name: "monochrome", styles: [
        .normal: Style(), .dim: Style(dim: true), .bold: Style(bold: true), .title: Style(bold: true, underline: true),
        .selected: Style(reverse: true), .selectedDim: Style(dim: true, reverse: true), .accent: Style(), .error: Style(bold: true),
        .warning: Style(bold: true), .success: Style(bold: true), .keyHint: Style(reverse: true), .statusBar: Style(bold: true, reverse: true),
        .locked: Style(dim: true), .input: Style(underline: true), .inputFocused: Style(reverse: true),
    ])

    /// The TOML name of a role: `status_bar` for `.statusBar`.
    public static func key(_ role: StyleRole) -> String {
        String(describing: role).reduce(into: "") { result, character in
            if character.isUppercase { result += "_" + character.lowercased() } else { result.append(character) }
        }
    }

    static let colorNames = ["black": 0, "red": 1, "green": 2, "yellow": 3, "blue": 4, "magenta": 5, "cyan": 6, "white": 7]
}

/// Why a theme file was not used: the file and line, and what is wrong.
public struct ThemeError: Error, Equatable, CustomStringConvertible {
    public var file: String
    public var line: Int?
    public var message: String

    public var description: String { file + (line.map { ":\($0)" } ?? "") + ": " + message }
}

extension Theme {
    /// Parses a theme. Every role not named keeps the default's look; anything unknown is an error
    /// (a misspelt role would otherwise be silently ignored).
    public static func parse(_ text: String, file: String) throws -> Theme {
        let table: TOMLTable
        do {
            table = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            throw ThemeError(file: file, line: error.source.begin.line, message: error.description)
        }
        func lineOf(_ needle: String) -> Int? {
            text.split(separator: "\n", omittingEmptySubsequences: false).firstIndex { $0.contains(needle) }.map { $0 + 1 }
        }
        func fail(_ message: String, near needle: String) -> ThemeError { ThemeError(file: file, line: lineOf(needle), message: message) }
        var theme = builtIn
        theme.name = table["name"]?.string ?? (file as NSString).lastPathComponent.replacingOccurrences(of: ".toml", with: "")
        for key in table.keys where key != "name" && key != "styles" {
            throw fail("unknown setting '\(key)' (expected name and [styles])", near: key)
        }
        guard let styles = table["styles"] else { return theme }
        guard let stylesTable = styles.table else { throw fail("[styles] must be a table", near: "styles") }
        let roles = Dictionary(uniqueKeysWithValues: StyleRole.allCases.map { (key($0), $0) })
        for name in stylesTable.keys {
            guard let role = roles[name] else {
                throw fail("unknown style '\(name)'; styles are " + roles.keys.sorted().joined(separator: ", "), near: name)
            }
            guard let entry = stylesTable[name]?.table else { throw fail("style '\(name)' must be a table like { fg = \"cyan\" }", near: name) }
            var style = Style()
            for attribute in entry.keys {
                let value = entry[attribute]
                switch attribute {
                case "fg", "bg":
                    let color: Int
                    if let text = value?.string {
                        if text == "default" { continue }
                        guard let named = colorNames[text] else {
                            throw fail("unknown colour '\(text)' in '\(name)': use black, red, green, yellow, blue, magenta, cyan, white, default or 0-255",
                                       near: text)
                        }
                        color = named
                    } else if let number = value?.int, (0...255).contains(number) {
                        color = number
                    } else {
                        throw fail("\(attribute) of '\(name)' must be a colour name or 0-255", near: name)
                    }
                    if attribute == "fg" { style.foreground = color } else { style.background = color }
                case "bold", "dim", "underline", "reverse":
                    guard let flag = value?.bool else { throw fail("\(attribute) of '\(name)' must be true or false", near: name) }
                    switch attribute {
                    case "bold": style.bold = flag
                    case "dim": style.dim = flag
                    case "underline": style.underline = flag
                    default: style.reverse = flag
                    }
                default:
                    throw fail("unknown attribute '\(attribute)' in '\(name)' (fg, bg, bold, dim, underline, reverse)", near: attribute)
                }
            }
            theme.styles[role] = style
        }
        return theme
    }

    /// A theme by name or path: a path is read as is; a name is looked for in the user's
    /// themes folder, then in the themes shipped with the app.
    public static func load(_ nameOrPath: String, searchPaths: [String]) throws -> Theme {
        if nameOrPath == "default" && !searchPaths.contains(where: { FileManager.default.fileExists(atPath: $0 + "/default.toml") }) {
            return builtIn
        }
        let candidates = nameOrPath.contains("/") || nameOrPath.hasSuffix(".toml") ? [nameOrPath]
            : searchPaths.map { $0 + "/" + nameOrPath + ".toml" }
        guard let path = candidates.first(where: { FileManager.default.fileExists(atPath: $0) }) else {
            throw ThemeError(file: nameOrPath, line: nil, message: "no such theme (looked in " + searchPaths.joined(separator: ", ") + ")")
        }
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw ThemeError(file: path, line: nil, message: "cannot read the file")
        }
        return try parse(text, file: path)
    }

    /// Where themes are looked for: $CLINIC_THEMES_DIR, the user's config folder, and `themes/`
    /// beside the installed binary (share/clinic-os-lite/themes) or in the source tree (.build/debug/clinic).
    public static func searchPaths(executable: String = CommandLine.arguments.first ?? "",
                                   environment: [String: String] = ProcessInfo.processInfo.environment) -> [String] {
        var paths: [String] = []
        if let dir = environment["CLINIC_THEMES_DIR"], !dir.isEmpty { paths.append(dir) }
        let config = environment["XDG_CONFIG_HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? ((environment["HOME"] ?? "") + "/.config")
        paths.append(config + "/clinic-os-lite/themes")
        let binary = URL(fileURLWithPath: executable).resolvingSymlinksInPath().deletingLastPathComponent()
        paths.append(binary.appendingPathComponent("../share/clinic-os-lite/themes").standardized.path)
        paths.append(binary.appendingPathComponent("../../themes").standardized.path)
        paths.append(binary.appendingPathComponent("../../../themes").standardized.path)
        return paths
    }
}
