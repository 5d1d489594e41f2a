import ClinicAPI
import Foundation

/// The clinic's staff (`S`): every member sees who works here; the owner invites, changes roles,
/// deactivates and withdraws invitations. Its state, keys and answers; `StaffView` draws it.
public struct StaffScreenState: Equatable, Sendable {
    /// The invite form: an email and the role it joins as.
    public struct InviteForm: Equatable, Sendable {
        public enum Field: Equatable, Sendable { case email, role }
        public var email = LineField(maxLength: 254)
        public var role = MemberRole.frontDesk
        public var focus = Field.email
        public var error: String?
        public var busy = false
    }

    /// A change that waits for `y`.
    public enum Pending: Equatable, Sendable {
        case role(StaffMember, MemberRole)
        case deactivate(StaffMember)
        case reactivate(StaffMember)
        case withdraw(Invitation)
    }

    public var invitations: [Invitation] = []
    /// Rows: the members, then the pending invitations.
    public var selected = 0
    public var loading = false
    public var error: String?
    public var invite: InviteForm?
    /// An invitation just made: its code, shown large (and as a QR code) until Esc. Never again.
    public var created: CreatedInvitation?
    public var pending: Pending?
    public var busy = false
    /// The owner renaming the clinic (`N`): the name as typed, kept when the server refuses it.
    public var rename: RenameForm?

    public struct RenameForm: Equatable, Sendable {
        public var name: LineField
        public var error: String?
        public var busy = false
    }

    public init() {}
}

enum StaffScreen {
    /// The roles an owner can give, in the order `r` cycles through them.
    static let roles: [MemberRole] = [.doctor, .frontDesk, .owner]

    static func open(_ state: inout AppState) -> [Command] {
        state.mode = .staff
        state.staffScreen = StaffScreenState()
        state.staffScreen.loading = true
        var commands: [Command] = [.loadStaff]
        if state.roleAllows(.overseeStaff) { commands.append(.loadInvitations) }
        return commands
    }

    static func rowCount(_ state: AppState) -> Int { state.staff.count + state.staffScreen.invitations.count }

    static func selectedMember(_ state: AppState) -> StaffMember? {
        state.staff.indices.contains(state.staffScreen.selected) ? state.staff[state.staffScreen.selected] : nil
    }

    static func selectedInvitation(_ state: AppState) -> Invitation? {
        let index = state.staffScreen.selected - state.staff.count
        return state.staffScreen.invitations.indices.contains(index) ? state.staffScreen.invitations[index] : nil
    }

    static func handle(_ state: inout AppState, _ key: Key) -> [Command] {
        var screen = state.staffScreen
        defer { state.staffScreen = screen }
        if screen.created != nil {
            // The code stays on screen until it has been read out: only Esc or Enter closes it.
            if createdBindings.action(for: key, in: state) == .cancel { screen.created = nil }
            return []
        }
        if var form = screen.invite {
            let action = inviteBindings.action(for: key, in: state)
            let commands = inviteKeys(&form, key, action)
            screen.invite = action == .cancel ? nil : form
            return commands
        }
        if var form = screen.rename {
            switch renameBindings.action(for: key, in: state) {
            case .cancel:
                screen.rename = nil
            case .submit:
                guard !form.busy else { return [] }
                let name = form.name.text.trimmingCharacters(in: .whitespaces)
                guard !name.isEmpty else {
                    form.error = "The clinic needs a name."
                    screen.rename = form
                    return []
                }
                form.busy = true
                form.error = nil
                screen.rename = form
                return [.renameClinic(name: name)]
            default:
                if form.name.handle(key) { form.error = nil }
                screen.rename = form
            }
            return []
        }
        if let pending = screen.pending {
            screen.pending = nil
            guard Question.yesNo.action(for: key, in: state) == .yes else { return [] }
            screen.busy = true
            switch pending {
            case .role(let member, let role): return [.updateStaffMember(id: member.id, role: role, active: nil)]
            case .deactivate(let member): return [.updateStaffMember(id: member.id, role: nil, active: false)]
            case .reactivate(let member): return [.updateStaffMember(id: member.id, role: nil, active: true)]
            case .withdraw(let invitation): return [.withdrawInvitation(id: invitation.id)]
            }
        }
        if let commands = MainScreen.appWide(&state, key) { return commands }
        guard let action = bindings.action(for: key, in: state) else { return [] }
        switch action {
        case .back:
            state.mode = .records
        case .down:
            screen.selected = min(max(0, rowCount(state) - 1), screen.selected + 1)
        case .up:
            screen.selected = max(0, screen.selected - 1)
        case .reload:
            return StaffScreen.reload(state)
        case .invite:
            if let blocked = MainScreen.writeBlocked(state) { state.toast = .error(blocked); return [] }
            screen.invite = StaffScreenState.InviteForm()
        case .changeRole:
            guard let member = selectedMember(state) else { return [] }
            let next = roles[((roles.firstIndex(of: member.role) ?? 0) + 1) % roles.count]
            screen.pending = .role(member, next)
        case .deactivateOrWithdraw:
            if let member = selectedMember(state), member.active {
                screen.pending = .deactivate(member)
            } else if let invitation = selectedInvitation(state) {
                screen.pending = .withdraw(invitation)
            }
        case .reactivate:
            if let member = selectedMember(state), !member.active { screen.pending = .reactivate(member) }
        case .rename:
            if let blocked = MainScreen.writeBlocked(state) { state.toast = .error(blocked); return [] }
            screen.rename = StaffScreenState.RenameForm(name: LineField(TerminalText.sanitize(state.user?.clinic?.name ?? ""), maxLength: 100))
        case .appWide:
            break
        }
        return []
    }

    /// What a key does on the staff list.
    enum KeyAction: Sendable {
        case down, up, back, reload
        case invite, changeRole, deactivateOrWithdraw, reactivate, rename
        /// Listed here, done by the app-wide keys (help, audit log, quit).
        case appWide
    }

    /// The staff list's keys (the owner's tools offered to the owner only): read by the handler, the
    /// key bar and help. What fits 80 columns first; x names what it does to the selected row.
    static let bindings: [KeyBinding<KeyAction>] = {
        let owner: @Sendable (AppState) -> Bool = { $0.roleAllows(.overseeStaff) }
        return [
            KeyBinding("j/k", [(.character("j"), .down), (.character("k"), .up)], help: { _ in "move" }),
            KeyBinding("", [(.down, .down), (.up, .up)], help: { _ in "" }, shown: .hidden),
            KeyBinding("i", .character("i"), .invite, "invite", when: owner),
            KeyBinding("R", .character("R"), .changeRole, "role", when: owner),
            KeyBinding("x", [(.character("x"), .deactivateOrWithdraw)], help: { selectedInvitation($0) != nil ? "withdraw" : "deactivate" },
                       when: owner),
            KeyBinding("a", .character("a"), .reactivate, "reactivate", when: owner),
            KeyBinding("N", .character("N"), .rename, "rename") { owner($0) && $0.user?.clinic != nil },
            KeyBinding("?", .character("?"), .appWide, "help"),
            KeyBinding("A", .character("A"), .appWide, "audit log", when: { $0.roleAllows(.viewAudit) }),
            KeyBinding("r", [(.character("r"), .reload), (.function(5), .reload)], help: { _ in "reload" }),
            KeyBinding("p/Esc", [(.character("p"), .back), (.escape, .back)], help: { _ in "back" }),
            KeyBinding("q", .character("q"), .appWide, "quit"),
            KeyBinding("Ctrl-C", .control("c"), .appWide, "quit", shown: .helpOnly),
        ]
    }()

    static func reload(_ state: AppState) -> [Command] {
        state.roleAllows(.overseeStaff) ? [.loadStaff, .loadInvitations] : [.loadStaff]
    }

    static func inviteKeys(_ form: inout StaffScreenState.InviteForm, _ key: Key, _ action: FormAction?) -> [Command] {
        switch action {
        case .nextField:
            form.focus = form.focus == .email ? .role : .email
        case .nextChoice, .previousChoice:  // two roles: either way is the other one
            let choices: [MemberRole] = [.frontDesk, .doctor]
            form.role = choices[((choices.firstIndex(of: form.role) ?? 0) + 1) % choices.count]
        case .submit:
            guard !form.busy else { return [] }
            let email = form.email.text.trimmingCharacters(in: .whitespaces)
            guard email.contains("@") else {
                form.error = "An email address: the invitation is for that address only."
                form.focus = .email
                return []
            }
            form.busy = true
            form.error = nil
            return [.invite(email: email, role: form.role)]
        default:
            if form.focus == .email, form.email.handle(key) { form.error = nil }
        }
        return []
    }

    /// Returns nil for messages that are not about staff.
    static func update(_ state: inout AppState, _ msg: StaffMsg) -> [Command] {
        switch msg {
        case .invitationsLoaded(let invitations):
            state.staffScreen.invitations = invitations
            state.staffScreen.loading = false
            return []
        case .staffFailed(let failure):
            state.staffScreen.loading = false
            return Results.expireIfNeeded(&state, failure) ?? {
                if state.mode == .staff { state.staffScreen.error = failure.message }
                return []
            }()
        case .invitationCreated(let created):
            state.staffScreen.invite = nil
            state.staffScreen.created = created
            return [.loadInvitations]
        case .invitationFailed(let failure):
            guard var form = state.staffScreen.invite else { return [] }
            form.busy = false
            form.error = failure.fieldErrors["email"].map { "Email: " + $0 } ?? failure.message
            state.staffScreen.invite = form
            return Results.expireIfNeeded(&state, failure) ?? []
        case .invitationWithdrawn:
            state.staffScreen.busy = false
            state.toast = .info("Invitation withdrawn: its code no longer works.")
            return [.loadInvitations]
        case .staffMemberChanged(let member):
            state.staffScreen.busy = false
            if let index = state.staff.firstIndex(where: { $0.id == member.id }) { state.staff[index] = member }
            let what = member.active ? "is now " + label(member.role) : "is deactivated: signed out everywhere"
            state.toast = .info("\(TerminalText.sanitize(member.username)) \(what).")
            return []
        case .clinicRenamed(let name):
            state.staffScreen.rename = nil
            state.user?.clinic?.name = name
            state.toast = .info("The clinic is now called \(TerminalText.sanitize(name)).")
            return []
        case .clinicRenameFailed(let failure):
            guard var form = state.staffScreen.rename else { return Results.expireIfNeeded(&state, failure) ?? [] }
            form.busy = false
            form.error = failure.fieldErrors["name"].map { "Name: " + $0 } ?? failure.message
            state.staffScreen.rename = form
            return Results.expireIfNeeded(&state, failure) ?? []
        case .staffChangeFailed(let failure):
            state.staffScreen.busy = false
            return Results.expireIfNeeded(&state, failure) ?? {
                // The server keeps a clinic's last active owner; say why in the clinic's words.
                state.toast = .error(failure.code == "last_owner"
                    ? "Not changed: the clinic needs an active owner. Make someone else owner first." : "Not changed: " + failure.message)
                return []
            }()
        }
    }

    static func label(_ role: MemberRole) -> String {
        switch role {
        case .owner: return "owner"
        case .doctor: return "doctor"
        case .frontDesk: return "front desk"
        }
    }
}
