import Foundation

/// One entry of a screen's key table: the keys and what each does, how the key bar and `?` help
/// name them, and when they are offered. The screen's handler finds a key's action here and the
/// key bar and help list the same entries, so a key cannot be drawn without working or work
/// unlisted (except the entries marked hidden: arrows and paging that repeat a listed key's meaning).
struct KeyBinding<Action: Sendable>: Sendable {
    /// Where an entry is named: in the key bar (and help), in help only (what 80 columns of key bar
    /// leave out), or nowhere (a second key for a meaning already listed).
    enum Shown: Sendable { case bar, helpOnly, hidden }

    let label: String
    let keys: [(key: Key, action: Action)]
    let help: @Sendable (AppState) -> String
    let isOffered: @Sendable (AppState) -> Bool
    let shown: Shown
    /// Whether an offered entry is named now: a key can work without being advertised (e on
    /// another doctor's note says whose it is; the key bar offers e only on one's own).
    let isNamed: @Sendable (AppState) -> Bool

    init(_ label: String, _ keys: [(key: Key, action: Action)], help: @escaping @Sendable (AppState) -> String,
         when isOffered: @escaping @Sendable (AppState) -> Bool = { _ in true }, shown: Shown = .bar,
         namedWhen isNamed: @escaping @Sendable (AppState) -> Bool = { _ in true }) {
        self.label = label
        self.keys = keys
        self.help = help
        self.isOffered = isOffered
        self.shown = shown
        self.isNamed = isNamed
    }

    /// Whether the key bar or help names this entry in `state`.
    func isListed(in state: AppState) -> Bool { shown != .hidden && isOffered(state) && isNamed(state) }

    init(_ label: String, _ key: Key, _ action: Action, _ help: String, shown: Shown = .bar,
         when isOffered: @escaping @Sendable (AppState) -> Bool = { _ in true }) {
        self.init(label, [(key, action)], help: { _ in help }, when: isOffered, shown: shown)
    }

    /// Keys that repeat listed meanings (arrows beside j/k, F5 beside r): handled, never named.
    static func hidden(_ keys: [(key: Key, action: Action)], when isOffered: @escaping @Sendable (AppState) -> Bool = { _ in true }) -> Self {
        Self("", keys, help: { _ in "" }, when: isOffered, shown: .hidden)
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

    /// What the key bar lists: the offered entries shown there, in table order.
    func keyBar<Action>(_ state: AppState) -> [(key: String, action: String)] where Element == KeyBinding<Action> {
        filter { $0.shown == .bar && $0.isListed(in: state) }.map { ($0.label, $0.help(state)) }
    }

    /// What `?` lists: the key bar's entries, then those left out of it.
    func helpList<Action>(_ state: AppState) -> [(key: String, action: String)] where Element == KeyBinding<Action> {
        keyBar(state) + filter { $0.shown == .helpOnly && $0.isListed(in: state) }.map { ($0.label, $0.help(state)) }
    }
}
