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

    static func selectedMember(_ state: AppState) -> StaffMember? { state.staffScreen.selectedMember(in: state) }

    static func selectedInvitation(_ state: AppState) -> Invitation? { state.staffScreen.selectedInvitation(in: state) }

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

    static func label(_ role: MemberRole) -> String {
        switch role {
        case .owner: return "owner"
        case .doctor: return "doctor"
        case .frontDesk: return "front desk"
        }
    }
}

extension StaffScreenState: ScreenComponent {
    /// The rows are the clinic's members (the app's roster), then the pending invitations.
    func selectedMember(in app: AppState) -> StaffMember? {
        app.staff.indices.contains(selected) ? app.staff[selected] : nil
    }

    func selectedInvitation(in app: AppState) -> Invitation? {
        let index = selected - app.staff.count
        return invitations.indices.contains(index) ? invitations[index] : nil
    }

    mutating func handle(_ key: Key, in app: AppState) -> ScreenOutcome {
        if created != nil {
            // The code stays on screen until it has been read out: only Esc or Enter closes it.
            if StaffScreen.createdBindings.action(for: key, in: app) == .cancel { created = nil }
            return .none
        }
        if var form = invite {
            let action = StaffScreen.inviteBindings.action(for: key, in: app)
            let commands = StaffScreen.inviteKeys(&form, key, action)
            invite = action == .cancel ? nil : form
            return .send(commands)
        }
        if var form = rename {
            defer { if rename != nil { rename = form } }
            switch StaffScreen.renameBindings.action(for: key, in: app) {
            case .cancel:
                rename = nil
            case .submit:
                guard !form.busy else { return .none }
                let name = form.name.text.trimmingCharacters(in: .whitespaces)
                guard !name.isEmpty else {
                    form.error = "The clinic needs a name."
                    return .none
                }
                form.busy = true
                form.error = nil
                return .send([.renameClinic(name: name)])
            default:
                if form.name.handle(key) { form.error = nil }
            }
            return .none
        }
        if let pending {
            self.pending = nil
            guard Question.yesNo.action(for: key, in: app) == .yes else { return .none }
            busy = true
            switch pending {
            case .role(let member, let role): return .send([.updateStaffMember(id: member.id, role: role, active: nil)])
            case .deactivate(let member): return .send([.updateStaffMember(id: member.id, role: nil, active: false)])
            case .reactivate(let member): return .send([.updateStaffMember(id: member.id, role: nil, active: true)])
            case .withdraw(let invitation): return .send([.withdrawInvitation(id: invitation.id)])
            }
        }
        guard let action = StaffScreen.bindings.action(for: key, in: app), action != .appWide else { return .ask(.notMine) }
        switch action {
        case .back:
            return .ask(.leave(to: .records))
        case .down:
            selected = min(max(0, app.staff.count + invitations.count - 1), selected + 1)
        case .up:
            selected = max(0, selected - 1)
        case .reload:
            return .send(StaffScreen.reload(app))
        case .invite:
            if let blocked = MainScreen.writeBlocked(app) { return .ask(.toast(.error(blocked))) }
            invite = InviteForm()
        case .changeRole:
            guard let member = selectedMember(in: app) else { return .none }
            let roles = StaffScreen.roles
            pending = .role(member, roles[((roles.firstIndex(of: member.role) ?? 0) + 1) % roles.count])
        case .deactivateOrWithdraw:
            if let member = selectedMember(in: app), member.active {
                pending = .deactivate(member)
            } else if let invitation = selectedInvitation(in: app) {
                pending = .withdraw(invitation)
            }
        case .reactivate:
            if let member = selectedMember(in: app), !member.active { pending = .reactivate(member) }
        case .rename:
            if let blocked = MainScreen.writeBlocked(app) { return .ask(.toast(.error(blocked))) }
            rename = RenameForm(name: LineField(TerminalText.sanitize(app.user?.clinic?.name ?? ""), maxLength: 100))
        case .appWide:
            return .ask(.notMine)
        }
        return .none
    }

    mutating func update(_ answer: StaffMsg, in app: AppState) -> ScreenOutcome {
        switch answer {
        case .invitationsLoaded(let invitations):
            self.invitations = invitations
            loading = false
            return .none
        case .staffFailed(let failure):
            loading = false
            if failure.kind != .sessionExpired, app.mode == .staff { error = failure.message }
            return .ask(.failed(failure))
        case .invitationCreated(let created):
            invite = nil
            self.created = created
            return .send([.loadInvitations])
        case .invitationFailed(let failure):
            guard var form = invite else { return .none }
            form.busy = false
            form.error = failure.fieldErrors["email"].map { "Email: " + $0 } ?? failure.message
            invite = form
            return .ask(.failed(failure))
        case .invitationWithdrawn:
            busy = false
            return .ask(.toast(.info("Invitation withdrawn: its code no longer works.")), sending: [.loadInvitations])
        case .staffMemberChanged(let member):
            busy = false
            let what = member.active ? "is now " + StaffScreen.label(member.role) : "is deactivated: signed out everywhere"
            return .ask(.memberChanged(member), .toast(.info("\(TerminalText.sanitize(member.username)) \(what).")))
        case .clinicRenamed(let name):
            rename = nil
            return .ask(.clinicRenamed(name: name), .toast(.info("The clinic is now called \(TerminalText.sanitize(name)).")))
        case .clinicRenameFailed(let failure):
            if var form = rename {
                form.busy = false
                form.error = failure.fieldErrors["name"].map { "Name: " + $0 } ?? failure.message
                rename = form
            }
            return .ask(.failed(failure))
        case .staffChangeFailed(let failure):
            busy = false
            guard failure.kind != .sessionExpired else { return .ask(.failed(failure)) }
            // The server keeps a clinic's last active owner; say why in the clinic's words.
            return .ask(.toast(.error(failure.code == "last_owner"
                ? "Not changed: the clinic needs an active owner. Make someone else owner first." : "Not changed: " + failure.message)))
        }
    }
}
