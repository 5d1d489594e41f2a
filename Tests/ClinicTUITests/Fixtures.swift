import ClinicAPI
@testable import ClinicTUI
import Foundation
import Testing

enum Fixture {
    static let now = Date(timeIntervalSince1970: 1_795_600_000)  // 2026-11-25T09:46:40Z

    static func user(status: Components.Schemas.SubscriptionStatus = .trialing, plan: Components.Schemas.Plan = .basic) -> User {
        User(id: "aaaaaaaaaaaaaaaaaaaaaaaa", username: "Dr Ana Ruiz", email: "ana@example.org", plan: plan, status: status,
             trialEndsAt: now.addingTimeInterval(12 * 86_400 - 3600), createdAt: now.addingTimeInterval(-78 * 86_400))
    }

    static func patient(_ index: Int, name: String, phone: String? = nil) -> Patient {
        Patient(id: String(format: "%024x", index), name: name, phoneNumber: phone, address: nil, notes: nil,
                dateOfBirth: "1980-0\(index % 9 + 1)-1\(index % 9)", sex: index % 2 == 0 ? "female" : "male",
                createdAt: now.addingTimeInterval(Double(-index) * 86_400), updatedAt: now)
    }

    static let patients: [Patient] = [
        patient(1, name: "José Álvarez-Núñez", phone: "+34 912 345 678"),
        patient(2, name: "आदित्य शर्मा", phone: "98765 43210"),
        patient(3, name: "王小明", phone: "+86 10 1234 5678"),
        patient(4, name: "Zoë Müller"),
        patient(5, name: "Grace Hopper", phone: "+1 555 0100"),
    ]

    static func note(_ index: Int, _ content: String, daysAgo: Double, version: Int = 1) -> ClinicalNote {
        ClinicalNote(id: String(format: "%024x", 100 + index), patientId: patients[0].id, content: content,
                     createdAt: now.addingTimeInterval(-daysAgo * 86_400), updatedAt: now, version: version)
    }

    static let notes: [ClinicalNote] = [
        note(1, "BP 128/84, pulse 72. Continue amlodipine 5 mg.\nReview in 4 weeks.", daysAgo: 0.1, version: 2),
        note(2, "Dry cough for 5 days, chest clear. Fluids and rest.", daysAgo: 0.3),
        note(3, "Annual review. Labs ordered: CBC, lipid panel, TSH.", daysAgo: 40),
    ]

    /// A logged-in state with the list and the first patient's timeline loaded.
    static func mainState(width: Int = 80, height: Int = 24) -> AppState {
        var state = AppState(width: width, height: height, serverLabel: "clinic.example.org", user: user(), now: now)
        state.timeZone = TimeZone(identifier: "UTC")!
        state.patients.requestID = 1
        _ = update(&state, .records(.patientsLoaded(requestID: 1, items: patients, nextCursor: "next", append: false)))
        _ = update(&state, .records(.notesLoaded(patientID: patients[0].id, items: notes, nextCursor: nil, append: false)))
        return state
    }
}

/// One letter per style role, for the style half of a snapshot.
let styleLetters: [StyleRole: Character] = [
    .normal: ".", .dim: "d", .bold: "b", .title: "t", .selected: "S", .selectedDim: "s", .accent: "a", .error: "E", .warning: "W",
    .success: "G", .keyHint: "k", .statusBar: "=", .locked: "L", .input: "i", .inputFocused: "I",
]

/// A screen as a snapshot file holds it: the characters, then the style of every cell (one letter
/// per cell, trailing normal cells left out) and where the cursor is: a highlight on the wrong row
/// or a lost focus mark fails a snapshot as surely as a wrong character.
func snapshotText(_ screen: Screen) -> String {
    var text = screen.text + "\n--- styles (one letter a cell: \(StyleRole.allCases.map { "\(styleLetters[$0] ?? "?")=\($0)" }.joined(separator: " "))) ---\n"
    for row in 0..<screen.height {
        var line = String((0..<screen.width).map { styleLetters[screen[$0, row].style] ?? "?" })
        while line.hasSuffix(".") { line.removeLast() }
        text += line + "\n"
    }
    text += "--- cursor: " + (screen.cursor.map { "\($0.x),\($0.y)" } ?? "none") + " ---\n"
    return text
}

/// Compares a screen with a file in Snapshots/. RECORD_SNAPSHOTS=1 rewrites them, for a person to
/// review in the diff; under CI it is refused (a run that rewrites what it checks cannot fail), and
/// a missing snapshot fails.
func expectSnapshot(_ screen: Screen, _ name: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
    let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Snapshots")
    let file = directory.appendingPathComponent(name + ".txt")
    let actual = snapshotText(screen)
    let environment = ProcessInfo.processInfo.environment
    if environment["RECORD_SNAPSHOTS"] == "1" {
        guard environment["CI"] == nil else {
            Issue.record("RECORD_SNAPSHOTS=1 under CI: snapshots are compared here, never written", sourceLocation: sourceLocation)
            return
        }
        try actual.write(to: file, atomically: true, encoding: .utf8)
        return
    }
    guard let expected = try? String(contentsOf: file, encoding: .utf8) else {
        Issue.record("no snapshot \(name).txt: run with RECORD_SNAPSHOTS=1 and review it", sourceLocation: sourceLocation)
        return
    }
    #expect(actual == expected, "snapshot \(name) differs:\n\(actual)", sourceLocation: sourceLocation)
}
