import Foundation

/// The keys of the dialogs that are not text forms (the upgrade, a note's versions, the delete
/// questions): a table each, read by the dialog's handler, the key bar and `?` help like a screen's.
extension ProFeatures {
    enum UpgradeAction: Sendable, Equatable { case pay, confirmTestPayment, openBrowser, copyAddress, close }

    static let upgradeBindings: [KeyBinding<UpgradeAction>] = [
        KeyBinding("Enter", .enter, .pay, "pay for Pro") { $0.overlay?.upgrade.map { $0.checkoutURL == nil && !$0.done } ?? false },
        KeyBinding("c", .character("c"), .confirmTestPayment, "confirm test payment") { $0.overlay?.upgrade.map { $0.checkoutURL != nil && !$0.done } ?? false },
        KeyBinding("o", .character("o"), .openBrowser, "open browser") { $0.overlay?.upgrade.map { $0.checkoutURL != nil && !$0.done } ?? false },
        // Only a web address goes to the clipboard, as only one goes to the browser.
        KeyBinding("y", .character("y"), .copyAddress, "copy address") { state in
            guard let upgrade = state.overlay?.upgrade, let url = upgrade.checkoutURL else { return false }
            return !upgrade.done && BrowserLauncher.isWebAddress(url)
        },
        KeyBinding("Esc", [(.escape, .close), (.character("q"), .close)],
                   help: { $0.overlay?.upgrade.map { $0.checkoutURL == nil && !$0.done ? "not now" : "close" } ?? "close" }),
    ]
}

extension NoteVersionsScreen {
    enum KeyAction: Sendable, Equatable { case down, up, pageDown, pageUp, first, last, close }

    /// Scrolling is named only when the versions are longer than the box.
    static func scrolls(_ state: AppState) -> Bool {
        guard let versions = state.overlay?.noteVersions else { return false }
        return NoteVersionsView.lines(versions, state).count > NoteVersionsView.rows(state)
    }

    static let bindings: [KeyBinding<KeyAction>] = [
        KeyBinding("j/k", [(.character("j"), .down), (.character("k"), .up)], help: { _ in "scroll" }, namedWhen: scrolls),
        KeyBinding("PgDn/PgUp", [(.pageDown, .pageDown), (.pageUp, .pageUp), (.character(" "), .pageDown)], help: { _ in "page" },
                   namedWhen: scrolls),
        KeyBinding("g/G", [(.character("g"), .first), (.character("G"), .last)], help: { _ in "first/last" }, namedWhen: scrolls),
        KeyBinding("Esc", [(.escape, .close), (.character("v"), .close), (.character("q"), .close)], help: { _ in "close" }),
        .hidden([(.down, .down), (.up, .up), (.home, .first), (.end, .last)]),
    ]
}

/// A question answered with `y` (any other key is "no": a stray key never deletes or changes
/// anything): the delete questions, a cancel or no-show in the status menu, a staff change.
enum Question {
    enum Answer: Sendable, Equatable { case yes, no }

    static func bindings(yes: String, no: String) -> [KeyBinding<Answer>] {
        [
            KeyBinding("y", [(.character("y"), .yes), (.character("Y"), .yes)], help: { _ in yes }),
            KeyBinding("n/Esc", [(.character("n"), .no), (.escape, .no)], help: { _ in no }),
        ]
    }

    static let yesNo = bindings(yes: "yes", no: "no")
    static let delete = bindings(yes: "delete", no: "keep")
}
