@testable import ClinicTUI
import Foundation
import Testing

@Suite struct QRCodeTests {
    struct Reference {
        var data: String
        var correction: QRCode.Correction
        var mask: Int
        var version: Int
        var rows: [String]
    }

    /// Matrices made by the `qrcode` package from PyPI (scripts/qr-reference.py).
    static func references() throws -> [Reference] {
        let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/qr-reference.txt")
        var result: [Reference] = []
        for line in try String(contentsOf: file, encoding: .utf8).split(separator: "\n") {
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false)
            if fields.count == 4 {
                result.append(Reference(data: String(fields[0]), correction: fields[1] == "L" ? .low : .medium, mask: Int(fields[2])!,
                                        version: Int(fields[3])!, rows: []))
            } else {
                result[result.count - 1].rows.append(String(line))
            }
        }
        return result
    }

    @Test func test_matrices_matchAReferenceEncoder_moduleForModule() throws {
        let references = try Self.references()
        #expect(references.count == 6)
        var compared = 0
        for reference in references {
            let code = QRCode(reference.data, correction: reference.correction, mask: reference.mask)
            guard reference.version <= 10 else {
                #expect(code == nil, "version \(reference.version) is beyond what a terminal shows: the URL is printed instead")
                continue
            }
            guard let code else { Issue.record("no code for \(reference.data)"); continue }
            #expect(code.version == reference.version, "\(reference.data)")
            let rows = code.modules.map { String($0.map { $0 ? "1" : "0" }) }
            #expect(rows == reference.rows, "version \(code.version) mask \(reference.mask) differs")
            compared += 1
        }
        #expect(compared == 5, "versions 2, 4, 5, 6 and 8 compared")
    }

    @Test func test_theChosenMask_isTheLowestPenalty_andStillDecodesAsTheReference() throws {
        let reference = try Self.references()[1]
        let chosen = try #require(QRCode(reference.data, correction: reference.correction))
        for mask in 0..<8 {
            let other = try #require(QRCode(reference.data, correction: reference.correction, mask: mask))
            #expect(chosen.penaltyScore() <= other.penaltyScore())
        }
    }

    @Test func test_halfBlocks_packTwoRowsPerLine_withALightQuietZone() throws {
        let code = try #require(QRCode("https://example.org"))
        let rows = code.halfBlockRows(quietZone: 1)
        #expect(rows.count == (code.size + 2 + 1) / 2)
        #expect(rows.allSatisfy { $0.count == code.size + 2 })
        #expect(rows[0].allSatisfy { $0 == "█" || $0 == "▀" }, "the top quiet zone is light")
        // The finder's dark top edge sits under a light quiet-zone row: upper half light, lower dark.
        #expect(Array(rows[0])[1] == "▀")
    }
}

@Suite struct UpgradeScreenTests {
    @Test func test_checkout_isShownAsAQRCode_withTheAddress_andABrowserKey() throws {
        var state = Fixture.mainState()
        _ = update(&state, .key(.character("U")))
        _ = update(&state, .upgrade(.plansLoaded(ProFeatureTests.plans)))
        _ = update(&state, .key(.enter))
        let url = "http://127.0.0.1:8080/checkout/cs_local_9f2c4b7e1a3d5f6071829a"
        _ = update(&state, .upgrade(.checkoutCreated(sessionID: "cs_local_9f2c4b7e1a3d5f6071829a", url: url)))
        let text = view(state).text
        #expect(text.contains("Scan to pay for Pro"))
        let code = try #require(QRCode(url))
        for row in code.halfBlockRows() { #expect(text.contains(row), "every row of the code is drawn whole") }
        #expect(update(&state, .key(.character("o"))) == [.openBrowser(url: url)])
        _ = update(&state, .upgrade(.browserOpened(error: nil)))
        if case .info = state.toast {} else { Issue.record("no confirmation") }
        // On a terminal without UTF-8 the address is printed alone.
        state.asciiOnly = true
        #expect(!view(state).text.contains("Scan to pay"))
        #expect(view(state).text.contains("Open this address to pay:"))
    }

    @Test func test_browserLauncher_usesBROWSER_andSaysWhenThereIsNone() throws {
        let directory = NSTemporaryDirectory() + "browser-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let script = directory + "/fake-browser"
        try "#!/bin/sh\necho \"$1\" > \(directory)/opened\n".write(toFile: script, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: script)
        #expect(BrowserLauncher.open("https://pay.example.org/c/1", environment: ["BROWSER": script, "PATH": "/usr/bin:/bin"]) == nil)
        // The file exists as soon as the shell opens it, empty until echo writes: wait for the line.
        var opened: String?
        for _ in 0..<100 where !(opened ?? "").hasSuffix("\n") {
            opened = try? String(contentsOfFile: directory + "/opened", encoding: .utf8)
            Thread.sleep(forTimeInterval: 0.05)
        }
        #expect(opened == "https://pay.example.org/c/1\n")
        #expect(BrowserLauncher.open("https://pay.example.org", environment: ["PATH": directory + "/none"])?.hasPrefix("No browser found") == true)
        #expect(BrowserLauncher.open("javascript:alert(1)", environment: ["BROWSER": script]) == "Not a web address.")
    }
}
