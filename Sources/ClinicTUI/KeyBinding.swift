import Foundation

/// One entry of a screen's key table: the keys and what each does, how the key bar and `?` help
/// name them, and when they are offered. The screen's handler finds a key's action here and the
/// key bar lists the same entries, so a key cannot be drawn without working or work unlisted
/// (except the entries marked unlisted: arrows and paging that repeat a listed key's meaning).
struct KeyBinding<Action: Sendable>: Sendable {
    let label: String
    let keys: [(key: Key, action: Action)]
    let help: @Sendable (AppState) -> String
    let isOffered: @Sendable (AppState) -> Bool
    let listed: Bool

    init(_ label: String, _ keys: [(key: Key, action: Action)], help: @escaping @Sendable (AppState) -> String,
         when isOffered: @escaping @Sendable (AppState) -> Bool = { _ in true }, listed: Bool = true) {
        self.label = label
        self.keys = keys
        self.help = help
        self.isOffered = isOffered
        self.listed = listed
    }

    init(_ label: String, _ key: Key, _ action: Action, _ help: String, when isOffered: @escaping @Sendable (AppState) -> Bool = { _ in true }) {
        self.init(label, [(key, action)], help: { _ in help }, when: isOffered)
    }
}

extension Array {
    /// The action of the first offered entry holding `key`.
    func action<Action>(for key: Key, in state: AppState) -> Action? where Element == KeyBinding<Action> {
        for binding in self where binding.isOffered(state) {
            if let match = binding.keys.first(where: { $0.key == key }) { return match.action }
        }
        return nil
    }

    /// What the key bar and help list: the offered, listed entries in table order.
    func keyBar<Action>(_ state: AppState) -> [(key: String, action: String)] where Element == KeyBinding<Action> {
        filter { $0.listed && $0.isOffered(state) }.map { ($0.label, $0.help(state)) }
    }
}
