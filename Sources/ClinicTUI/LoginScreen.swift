import ClinicAPI
import Foundation

/// Keys on the login / register screen.
enum LoginScreen {
    static func handle(_ state: inout AppState, _ key: Key) -> [Command] {
        var form = state.login
        defer { state.login = form }
        switch bindings.action(for: key, in: state) {
        case .nextField:
            form.focusNext(by: 1)
        case .previousField:
            form.focusNext(by: -1)
        case .switchMode:
            form.mode = form.mode == .login ? .register : .login
            form.focus = form.fields[0]
            form.error = nil
            form.fieldErrors = [:]
        case .submit:
            if form.focus != form.fields.last {
                form.focusNext(by: 1)
                return []
            }
            return submit(&form)
        case .cancel:
            form.error = nil
        default:
            form.edit(form.focus) { _ = $0.handle(key) }
            form.fieldErrors[form.focus.wireName] = nil
        }
        return []
    }

    static func submit(_ form: inout AppState.LoginForm) -> [Command] {
        guard !form.busy else { return [] }
        var errors: [String: String] = [:]
        let email = form.email.text.trimmingCharacters(in: .whitespaces)
        if !email.contains("@") { errors["email"] = "enter your email address" }
        if form.password.text.isEmpty { errors["password"] = "enter your password" }
        if form.mode == .register {
            if form.name.text.trimmingCharacters(in: .whitespaces).isEmpty { errors["username"] = "enter your full name" }
            if form.password.text.count < 8 { errors["password"] = "at least 8 characters" }
        }
        form.fieldErrors = errors
        if let first = form.fields.first(where: { errors[$0.wireName] != nil }) {
            form.focus = first
            form.error = nil
            return []
        }
        form.busy = true
        form.error = nil
        if form.mode == .register {
            // Read over the phone: spaces and dashes are the reader's, not the code's.
            let code = form.invitation.text.filter { !$0.isWhitespace && $0 != "-" }
            return [.register(name: form.name.text.trimmingCharacters(in: .whitespaces), email: email, password: form.password.text,
                              invitationCode: code.isEmpty ? nil : code)]
        }
        return [.login(email: email, password: form.password.text)]
    }
}

enum LoginView {
    static func draw(_ state: AppState, into screen: inout Screen) {
        let form = state.login
        let boxWidth = min(60, screen.width - 4)
        let x = (screen.width - boxWidth) / 2
        var y = max(2, (screen.height - 14) / 2)
        let title = form.mode == .login ? "Log in" : "Create an account (90-day trial)"
        screen.put(title, x: x, y: y, style: .title)
        y += 2
        for name in form.fields {
            let field = form.value(name)
            let focused = name == form.focus
            screen.put(name.label, x: x, y: y, style: focused ? .bold : .normal)
            let inputX = x + 11
            let inputWidth = boxWidth - 11
            screen.fill(x: inputX, y: y, width: inputWidth, height: 1, style: focused ? .inputFocused : .input)
            let visible = field.visible(columns: inputWidth)
            screen.put(visible.text, x: inputX, y: y, style: focused ? .inputFocused : .input, maxWidth: inputWidth)
            if focused { screen.cursor = (inputX + visible.cursorColumn, y) }
            if let error = form.fieldErrors[name.wireName] {
                screen.put("↳ " + TerminalText.sanitize(error), x: inputX, y: y + 1, style: .error, maxWidth: inputWidth)
            } else if name == .invitation && focused {
                screen.put("optional: the code your clinic's owner gave you", x: inputX, y: y + 1, style: .dim, maxWidth: inputWidth)
            }
            y += 2
        }
        y += 1
        if let error = form.error {
            for line in TerminalText.wrap(TerminalText.sanitize(error), to: boxWidth).prefix(3) {
                screen.put(line, x: x, y: y, style: .error)
                y += 1
            }
        } else if form.busy {
            screen.put(spinnerFrames[state.spinner % spinnerFrames.count] + " contacting the server…", x: x, y: y, style: .dim)
        }
    }
}
