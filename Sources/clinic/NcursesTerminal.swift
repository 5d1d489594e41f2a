import CNcurses
import ClinicTUI
import ClinicTheme
import Foundation

/// The real terminal through ncursesw: draws only the cells that changed since the last frame,
/// decodes keys, and always gives the terminal back as it found it.
final class NcursesTerminal {
    private var previous: Screen?
    private var attributes: [StyleRole: attr_t] = [:]
    private(set) var isActive = false
    let useColor: Bool
    let theme: Theme
    /// Bytes ncurses wrote to the terminal (counted through the output hook), for benchmarks.
    nonisolated(unsafe) static var bytesWritten = 0

    let useMouse: Bool

    init(useColor: Bool, theme: Theme = .builtIn, useMouse: Bool = false) {
        self.useColor = useColor
        self.theme = theme
        self.useMouse = useMouse
    }

    func start() {
        setlocale(LC_ALL, "")
        initscr()
        raw()
        noecho()
        nonl()
        keypad(clinic_stdscr(), true)
        set_escdelay(25)
        if useMouse { clinic_mouse_on() }
        isActive = true
        var colors = useColor && has_colors()
        if colors {
            start_color()
            use_default_colors()
            colors = clinic_colors() >= 8
        }
        setUpStyles(colors: colors)
        previous = nil
    }

    /// Uses a screen someone else created (a benchmark's `newterm` on a file).
    func adoptCurrentScreen() {
        isActive = true
        if useColor && has_colors() {
            start_color()
            use_default_colors()
        }
        setUpStyles(colors: useColor && has_colors() && clinic_colors() >= 8)
        previous = nil
    }

    /// OSC 52: the terminal puts the text on the system clipboard where it allows it (tmux with
    /// set-clipboard, kitty, iTerm2, foot, xterm with allowWindowOps); elsewhere nothing happens.
    /// Written between ncurses frames, so no frame is cut in two.
    func copyToClipboard(_ text: String) {
        guard isActive else { return }
        let sequence = "\u{1B}]52;c;" + Data(text.utf8).base64EncodedString() + "\u{07}"
        // Straight to the descriptor: ncurses has flushed its own buffer at the end of the last frame.
        var bytes = Array(sequence.utf8)
        var written = 0
        while written < bytes.count {
            let result = bytes.withUnsafeMutableBytes { Glibc.write(STDOUT_FILENO, $0.baseAddress! + written, $0.count - written) }
            if result < 0 && errno == EINTR { continue }
            guard result > 0 else { return }
            written += result
        }
    }

    func stop() {
        guard isActive else { return }
        isActive = false
        curs_set(1)
        endwin()
    }

    var size: (width: Int, height: Int) { (Int(clinic_cols()), Int(clinic_lines())) }

    /// Turns the theme into ncurses attributes: one colour pair per foreground/background combination.
    /// Without colours (NO_COLOR, or a terminal without them) the monochrome attributes carry the meaning.
    private func setUpStyles(colors: Bool) {
        let source = colors ? theme : Theme.monochrome
        let available = Int(clinic_colors())
        var pairs: [[Int]: Int16] = [:]
        attributes = [:]
        for role in StyleRole.allCases {
            let style = source.styles[role] ?? Theme.Style()
            var attribute = clinic_a_normal()
            if style.bold { attribute |= clinic_a_bold() }
            if style.dim { attribute |= clinic_a_dim() }
            if style.underline { attribute |= clinic_a_underline() }
            if style.reverse { attribute |= clinic_a_reverse() }
            if colors, style.foreground != nil || style.background != nil {
                // A 256-colour theme on an 8-colour terminal falls back to the basic eight.
                func fit(_ color: Int?) -> Int { color.map { $0 < available ? $0 : $0 % 8 } ?? -1 }
                let key = [fit(style.foreground), fit(style.background)]
                let pair = pairs[key] ?? {
                    let next = Int16(pairs.count + 1)
                    init_pair(next, Int16(key[0]), Int16(key[1]))
                    pairs[key] = next
                    return next
                }()
                attribute |= clinic_color_pair(Int32(pair))
            }
            attributes[role] = attribute
        }
    }

    /// Draws a frame: only runs of changed cells are written (ncurses then sends only what
    /// really differs on the terminal).
    func draw(_ screen: Screen) {
        if let previous, previous.width != screen.width || previous.height != screen.height { clear() }
        for run in screen.changes(since: previous) {
            var x = run.x
            var text = ""
            var style = run.cells.first?.style ?? .normal
            var startX = x
            func flush() {
                guard !text.isEmpty else { return }
                clinic_attrset(attributes[style] ?? clinic_a_normal())
                clinic_mvaddstr(Int32(run.y), Int32(startX), text)
                text = ""
            }
            for cell in run.cells {
                if cell.style != style {
                    flush()
                    style = cell.style
                    startX = x
                }
                text += cell.text
                x += 1
            }
            flush()
        }
        clinic_attrset(clinic_a_normal())
        if let cursor = screen.cursor {
            curs_set(1)
            clinic_move(Int32(cursor.y), Int32(cursor.x))
        } else {
            curs_set(0)
            clinic_move(Int32(screen.height - 1), Int32(screen.width - 1))
        }
        clinic_refresh()
        previous = screen
    }

    /// Waits up to `milliseconds` for a key; nil on timeout. `.resized` comes as a special value.
    enum Input {
        case key(Key)
        case resized
    }

    func read(timeoutMilliseconds: Int32) -> Input? {
        timeout(timeoutMilliseconds)
        var character: wint_t = 0
        let result = clinic_get_wch(&character)
        if result == ERR { return nil }
        if result == clinic_key_code_yes() {
            switch Int32(character) {
            case KEY_RESIZE: return .resized
            case clinic_key_mouse():
                var x: Int32 = 0, y: Int32 = 0
                switch clinic_read_mouse(&x, &y) {
                case 1: return .key(.click(x: Int(x), y: Int(y)))
                case 2: return .key(.up)
                case 3: return .key(.down)
                default: return nil
                }
            case KEY_UP: return .key(.up)
            case KEY_DOWN: return .key(.down)
            case KEY_LEFT: return .key(.left)
            case KEY_RIGHT: return .key(.right)
            case KEY_HOME: return .key(.home)
            case KEY_END: return .key(.end)
            case KEY_NPAGE: return .key(.pageDown)
            case KEY_PPAGE: return .key(.pageUp)
            case KEY_BACKSPACE: return .key(.backspace)
            case KEY_DC: return .key(.delete)
            case KEY_BTAB: return .key(.backTab)
            case KEY_ENTER: return .key(.enter)
            case KEY_F0 + 1...KEY_F0 + 12: return .key(.function(Int(Int32(character) - KEY_F0)))
            default: return nil
            }
        }
        switch character {
        case 9: return .key(.tab)
        case 10, 13: return .key(.enter)
        case 27: return .key(.escape)
        case 8, 127: return .key(.backspace)
        case 1...26:
            return .key(.control(Character(Unicode.Scalar(UInt8(character) + 96))))
        default:
            guard let scalar = Unicode.Scalar(UInt32(character)) else { return nil }
            return .key(.character(Character(scalar)))
        }
    }

    func clear() {
        CNcurses.clear()
        previous = nil
    }
}
