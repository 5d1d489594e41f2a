import ClinicAPI
import Foundation

/// An amended note's earlier texts (`v` on a note marked "amended"): every version, oldest first,
/// read-only and scrolled by line. A server without the versions endpoint (a v1 server) answers 404,
/// said in words.
public struct NoteVersionsState: Equatable, Sendable {
    public var patientID: String
    public var noteID: String
    public var versions: [NoteVersion] = []
    public var loading = true
    public var error: String?
    /// Lines scrolled.
    public var scroll = 0
}

enum NoteVersionsScreen {
    static func open(_ state: inout AppState) -> [Command] {
        let timeline = state.timeline
        guard state.seesNotes, timeline.notes.indices.contains(timeline.selected), let patientID = timeline.patientID else { return [] }
        let note = timeline.notes[timeline.selected]
        guard note.version > 1 else {
            state.toast = .info("This note was never amended: it has one version.")
            return []
        }
        state.overlay = .noteVersions(NoteVersionsState(patientID: patientID, noteID: note.id))
        return [.loadNoteVersions(patientID: patientID, noteID: note.id)]
    }

    /// Answers for the versions dialog: they change it only while it shows that note.
    static func update(_ state: inout AppState, _ msg: NoteVersionsMsg) -> [Command] {
        switch msg {
        case .loaded(let noteID, let items):
            guard state.overlay?.noteVersions?.noteID == noteID else { return [] }
            state.overlay?.noteVersions?.loading = false
            state.overlay?.noteVersions?.versions = items
            return []
        case .failed(let noteID, let failure):
            guard state.overlay?.noteVersions?.noteID == noteID else { return [] }
            state.overlay?.noteVersions?.loading = false
            state.overlay?.noteVersions?.error = failure.status == 404 && failure.code == nil
                ? "This server keeps no earlier versions to show (or the note is gone)." : failure.message
            return Results.expireIfNeeded(&state, failure) ?? []
        }
    }
}

extension NoteVersionsState {
    /// Scrolling through the versions; only closing is the app's.
    mutating func update(_ key: Key, in state: AppState) -> DialogOutcome<Never> {
        let page = max(1, NoteVersionsView.rows(state) - 1)
        let last = max(0, NoteVersionsView.lines(self, state).count - NoteVersionsView.rows(state))
        switch NoteVersionsScreen.bindings.action(for: key, in: state) {
        case .close: return .close
        case .down: scroll = min(last, scroll + 1)
        case .up: scroll = max(0, scroll - 1)
        case .pageDown: scroll = min(last, scroll + page)
        case .pageUp: scroll = max(0, scroll - page)
        case .first: scroll = 0
        case .last: scroll = last
        case nil: break
        }
        return .stay
    }
}

enum NoteVersionsView {
    /// The box's text rows.
    static func rows(_ state: AppState) -> Int { max(1, min(state.height - 3, 40) - 4) }

    static func width(_ state: AppState) -> Int { max(10, min(state.width - 2, 100) - 4) }

    /// Each version under a rule naming it ("── v1 · Wed 25 Nov 2026 09:12 ──"), oldest first.
    static func lines(_ versions: NoteVersionsState, _ state: AppState) -> [(text: String, rule: Bool)] {
        let width = width(state)
        var lines: [(text: String, rule: Bool)] = []
        for version in versions.versions {
            let (day, time) = TimelineView.dayAndTime(version.createdAt, in: state.timeZone)
            let current = version.version == versions.versions.last?.version ? " (current)" : ""
            let title = "── v\(version.version)\(current) · \(day) \(time) "
            lines.append((title + String(repeating: "─", count: max(0, width - TerminalText.width(title))), true))
            lines += TerminalText.wrap(TerminalText.sanitize(version.content, keepNewlines: true), to: width).map { ($0, false) }
            lines.append(("", false))
        }
        return lines
    }

    static func draw(_ versions: NoteVersionsState, state: AppState, into screen: inout Screen) {
        let box = drawBox(title: "Earlier versions of the note", width: 100, height: 40, into: &screen)
        if versions.loading {
            screen.put("Loading…", x: box.x, y: box.y, style: .dim)
            return
        }
        if let error = versions.error {
            for (offset, line) in TerminalText.wrap(TerminalText.sanitize(error), to: box.width).prefix(3).enumerated() {
                screen.put(line, x: box.x, y: box.y + offset, style: .error)
            }
            return
        }
        let all = lines(versions, state)
        let rows = rows(state)
        let start = min(versions.scroll, max(0, all.count - rows))
        for (offset, line) in all.dropFirst(start).prefix(rows).enumerated() {
            screen.put(line.text, x: box.x, y: box.y + offset, style: line.rule ? .accent : .normal, maxWidth: box.width)
        }
        if all.count > rows {
            let status = "lines \(start + 1)–\(min(all.count, start + rows)) of \(all.count)"
            screen.put(status, x: box.x + box.width - status.count, y: box.y + box.height - 1, style: .dim)
        }
    }
}
