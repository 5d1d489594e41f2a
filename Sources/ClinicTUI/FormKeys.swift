import Foundation

/// The keys of the forms (sign-in, a patient's details, booking, a note, a file's path): a table
/// each of the keys that are not typing, read by the form's handler and its key bar. A key no
/// entry holds is typed into the focused field, so these tables hold no printable character except
/// where the focused field takes no text (the doctor chooser's space).
enum FormAction: Sendable, Equatable {
    case nextField, previousField, submit, cancel, switchMode
    case nextMatch, previousMatch, pickMatch, closeMatches
    /// The next or previous of a field's few choices (the booking's doctor, an invitation's role).
    case nextChoice, previousChoice
    case complete
    /// Named in the key bar, done by the field itself (Ctrl-U clears it, arrows move in the text).
    case editField
}

extension LoginScreen {
    static let bindings: [KeyBinding<FormAction>] = [
        KeyBinding("Tab", [(.tab, .nextField), (.down, .nextField)], help: { _ in "next field" }),
        KeyBinding("Enter", [(.enter, .submit)], help: { $0.login.mode == .login ? "log in" : "create account" }),
        KeyBinding("Ctrl-R", [(.control("r"), .switchMode), (.function(2), .switchMode)],
                   help: { $0.login.mode == .login ? "new account" : "have an account" }),
        KeyBinding("Ctrl-C", .control("c"), .cancel, "quit"),
        .hidden([(.backTab, .previousField), (.up, .previousField), (.escape, .cancel)]),
    ]
}

extension PatientFormScreen {
    static let bindings: [KeyBinding<FormAction>] = [
        KeyBinding("Tab", [(.tab, .nextField), (.down, .nextField)], help: { _ in "next field" }),
        KeyBinding("Ctrl-S", .control("s"), .submit, "save"),
        KeyBinding("Esc", .escape, .cancel, "cancel"),
        KeyBinding("S-Tab", [(.backTab, .previousField), (.up, .previousField)], help: { _ in "previous" }),
        KeyBinding("Ctrl-U", .control("u"), .editField, "clear field"),
        // Enter moves on, and saves from the last field.
        .hidden([(.enter, .nextField)], when: { $0.overlay?.patientForm.map { $0.focus != PatientForm.Field.allCases.last } ?? false }),
        .hidden([(.enter, .submit)], when: { $0.overlay?.patientForm.map { $0.focus == PatientForm.Field.allCases.last } ?? false }),
    ]
}

extension CalendarScreen {
    /// The patient search's matches are open under the patient field.
    static func choosingPatient(_ state: AppState) -> Bool {
        state.overlay?.booking.map { $0.focus == .patient && !$0.matches.isEmpty } ?? false
    }

    static let bookingBindings: [KeyBinding<FormAction>] = {
        let choosing: @Sendable (AppState) -> Bool = { choosingPatient($0) }
        let notChoosing: @Sendable (AppState) -> Bool = { !choosingPatient($0) }
        return [
            KeyBinding("↑/↓", [(.up, .previousMatch), (.down, .nextMatch)], help: { _ in "choose" }, when: choosing),
            KeyBinding("Enter", [(.enter, .pickMatch), (.tab, .pickMatch)], help: { _ in "pick patient" }, when: choosing),
            KeyBinding("Esc", .escape, .closeMatches, "close list", when: choosing),
            KeyBinding("←/→", [(.left, .previousChoice), (.right, .nextChoice), (.character(" "), .nextChoice)], help: { _ in "doctor" },
                       when: { $0.overlay?.booking?.focus == .doctor }),
            KeyBinding("Tab", [(.tab, .nextField), (.down, .nextField)], help: { _ in "next field" }, when: notChoosing),
            KeyBinding("Ctrl-S", [(.control("s"), .submit)], help: { $0.overlay?.booking?.appointmentID == nil ? "book" : "save" },
                       namedWhen: notChoosing),
            KeyBinding("Esc", .escape, .cancel, "cancel", when: notChoosing),
            KeyBinding("S-Tab", [(.backTab, .previousField)], help: { _ in "previous" }, namedWhen: notChoosing),
            KeyBinding("Ctrl-U", [(.control("u"), .editField)], help: { _ in "clear field" }, namedWhen: notChoosing),
            .hidden([(.up, .previousField)], when: notChoosing),
            // Enter moves on, and books from the last field.
            .hidden([(.enter, .nextField)], when: { !choosingPatient($0) && !($0.overlay?.booking?.isOnLastField ?? true) }),
            .hidden([(.enter, .submit)], when: { !choosingPatient($0) && ($0.overlay?.booking?.isOnLastField ?? false) }),
        ]
    }()
}

extension Overlays {
    static let noteEditorBindings: [KeyBinding<FormAction>] = [
        KeyBinding("Ctrl-S", .control("s"), .submit, "save note"),
        KeyBinding("Esc", .escape, .cancel, "close (draft kept)"),
        KeyBinding("arrows", [(.up, .editField), (.down, .editField), (.left, .editField), (.right, .editField)], help: { _ in "move" }),
    ]
}

extension DocumentsPane {
    static let promptBindings: [KeyBinding<FormAction>] = [
        KeyBinding("Tab", .tab, .complete, "complete"),
        KeyBinding("Enter", .enter, .submit, "go"),
        KeyBinding("Esc", .escape, .cancel, "cancel"),
    ]
}

extension StaffScreen {
    /// The new invitation's code on screen: read out, then closed.
    static let createdBindings: [KeyBinding<FormAction>] = [
        KeyBinding("Esc", [(.escape, .cancel), (.enter, .cancel)], help: { _ in "close (the code is not shown again)" }),
    ]

    static let inviteBindings: [KeyBinding<FormAction>] = [
        KeyBinding("Enter", [(.enter, .submit), (.control("s"), .submit)], help: { _ in "invite" }),
        KeyBinding("Tab", [(.tab, .nextField), (.backTab, .nextField), (.down, .nextField), (.up, .nextField)], help: { _ in "email/role" }),
        KeyBinding("←/→", [(.left, .previousChoice), (.right, .nextChoice), (.character(" "), .nextChoice)], help: { _ in "role" },
                   when: { $0.staffScreen.invite?.focus == .role }),
        KeyBinding("Esc", .escape, .cancel, "cancel"),
    ]

    static let renameBindings: [KeyBinding<FormAction>] = [
        KeyBinding("Enter", [(.enter, .submit), (.control("s"), .submit)], help: { _ in "save" }),
        KeyBinding("Ctrl-U", .control("u"), .editField, "clear"),
        KeyBinding("Esc", .escape, .cancel, "cancel"),
    ]
}
