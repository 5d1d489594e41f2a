import ClinicTheme
@testable import ClinicTUI
import Foundation
import Testing

@Suite struct ThemeTests {
    static let themesDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../themes").standardized.path

    @Test func test_everyShippedTheme_parses_andTheDefaultsMatchTheCompiledIn() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.themesDirectory).filter { $0.hasSuffix(".toml") }.sorted()
        #expect(files == ["default.toml", "high-contrast.toml", "light.toml", "monochrome.toml"])
        for file in files {
            let theme = try Theme.load(file.replacingOccurrences(of: ".toml", with: ""), searchPaths: [Self.themesDirectory])
            #expect(theme.styles.count == StyleRole.allCases.count, "\(file) covers every role")
        }
        #expect(try Theme.load("default", searchPaths: [Self.themesDirectory]).styles == Theme.builtIn.styles,
                "themes/default.toml and the compiled-in fallback are the same")
        #expect(try Theme.load("monochrome", searchPaths: [Self.themesDirectory]).styles == Theme.monochrome.styles)
        let contrast = try Theme.load("high-contrast", searchPaths: [Self.themesDirectory])
        #expect(contrast.styles[.selected] == Theme.Style(foreground: 0, background: 3, bold: true))
        let light = try Theme.load("light", searchPaths: [Self.themesDirectory])
        #expect(light.styles[.warning]?.foreground == 130 && light.styles[.normal] == Theme.builtIn.styles[.normal], "unnamed roles keep the default")
    }

    @Test func test_aSyntaxError_namesTheFileAndLine() {
        let text = "name = \"broken\"\n[styles]\nselected = { fg = \"cyan\" bg = \"black\" }\n"
        #expect(throws: ThemeError.self) { try Theme.parse(text, file: "themes/broken.toml") }
        do {
            _ = try Theme.parse(text, file: "themes/broken.toml")
        } catch let error as ThemeError {
            #expect(error.file == "themes/broken.toml" && error.line == 3)
            #expect(error.description.hasPrefix("themes/broken.toml:3: "))
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test(arguments: [
        ("[styles]\nselceted = { bold = true }\n", 2, "unknown style 'selceted'"),
        ("[styles]\ntitle = { fg = \"chartreuse\" }\n", 2, "unknown colour 'chartreuse'"),
        ("[styles]\n\ntitle = { fg = 300 }\n", 3, "must be a colour name or 0-255"),
        ("[styles]\ntitle = { blink = true }\n", 2, "unknown attribute 'blink'"),
        ("colour = \"blue\"\n", 1, "unknown setting 'colour'"),
    ])
    func test_mistakes_areNamed_withTheirLine(text: String, line: Int, message: String) {
        do {
            _ = try Theme.parse(text, file: "t.toml")
            Issue.record("accepted: \(text)")
        } catch let error as ThemeError {
            #expect(error.line == line, "\(error)")
            #expect(error.message.contains(message), "\(error)")
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func test_missingTheme_isAnError_andThePathsIncludeTheSourceTree() {
        #expect(throws: ThemeError.self) { try Theme.load("no-such-theme", searchPaths: [Self.themesDirectory]) }
        let paths = Theme.searchPaths(executable: "/work/repo/.build/debug/clinic", environment: ["HOME": "/home/ana", "CLINIC_THEMES_DIR": "/etc/clinic"])
        #expect(paths == ["/etc/clinic", "/home/ana/.config/clinic-os-lite/themes", "/work/repo/.build/share/clinic-os-lite/themes",
                          "/work/repo/themes", "/work/themes"])
    }
}
