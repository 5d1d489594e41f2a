import Foundation

/// `?`: every key the screen behind offers, from its key table; any key closes it.
enum HelpView {
    static func draw(_ state: AppState, into screen: inout Screen) {
        var underlying = state
        underlying.overlay = nil
        var keys = KeyTable.help(for: underlying)
        if state.mode == .calendar { keys += [("● ✓", "arrived, completed"), ("✗ ∅", "cancelled, no-show")] }
        // One column while it fits the window, else two, so no key is cut off at 80×24.
        let columns = keys.count + 3 <= screen.height - 3 ? 1 : 2
        let rows = (keys.count + columns - 1) / columns
        let columnWidth = columns == 1 ? 50 : 38
        let box = drawBox(title: "Keys", width: columns * columnWidth + 2, height: rows + 3, into: &screen)
        for (index, item) in keys.enumerated() where index % rows < box.height {
            let x = box.x + (index / rows) * columnWidth, y = box.y + index % rows
            screen.put(TerminalText.fit(item.0, to: 10), x: x, y: y, style: .bold)
            screen.put(item.1, x: x + 11, y: y, maxWidth: columnWidth - 12)
        }
    }
}
