import ClinicAPI
import Foundation

/// Draws the staff screen: members (name, role, active, last seen for the owner), pending
/// invitations, and over them the invite form, a question, or a new invitation's code.
enum StaffView {
    static func draw(_ state: AppState, into screen: inout Screen) {
        let staff = state.staffScreen
        let tz = state.timeZone
        let clinic = state.user?.clinic.map { " · " + TerminalText.sanitize($0.name) } ?? ""
        var x = screen.put(" Staff" + clinic, x: 0, y: 1, style: .title)
        if staff.loading { x = screen.put("  loading…", x: x, y: 1, style: .dim) }
        if let error = staff.error { screen.put("  " + TerminalText.sanitize(error), x: x, y: 1, style: .error, maxWidth: screen.width - x) }
        let owner = state.roleAllows(.overseeStaff)
        let nameWidth = max(16, min(30, screen.width - 44))
        screen.put(" " + TerminalText.fit("Name", to: nameWidth) + " " + TerminalText.fit("Role", to: 11) + " "
                   + TerminalText.fit("Status", to: 11) + (owner ? " Last seen" : ""), x: 0, y: 3, style: .dim)
        var y = 4
        let bottom = screen.height - 3
        for (index, member) in state.staff.enumerated() where y <= bottom {
            let seen = member.lastSeenAt.map { lastSeen($0, now: state.now, in: tz) } ?? (owner ? "never" : "")
            let line = " " + TerminalText.fit(TerminalText.sanitize(member.username), to: nameWidth) + " "
                + TerminalText.fit(StaffScreen.label(member.role), to: 11) + " " + TerminalText.fit(member.active ? "active" : "deactivated", to: 11)
                + (owner ? " " + seen : "")
            screen.bar(line, y: y, style: index == staff.selected ? .selected : member.active ? .normal : .dim)
            y += 1
        }
        if !staff.invitations.isEmpty && y < bottom {
            y += 1
            screen.put(" Invitations waiting to be used", x: 0, y: y, style: .accent)
            y += 1
            for (offset, invitation) in staff.invitations.enumerated() where y <= bottom {
                let index = state.staff.count + offset
                let expires = "expires " + PatientAppointmentsLine.short(at: invitation.expiresAt, in: tz)
                let line = " " + TerminalText.fit(TerminalText.sanitize(invitation.email), to: nameWidth) + " "
                    + TerminalText.fit(StaffScreen.label(invitation.role), to: 11) + " " + expires
                screen.bar(line, y: y, style: index == staff.selected ? .selected : .normal)
                y += 1
            }
        }
        if let form = staff.invite { drawInvite(form, into: &screen) }
        if let form = staff.rename { drawRename(form, into: &screen) }
        if let pending = staff.pending { drawQuestion(pending, into: &screen) }
        if let created = staff.created { drawCode(created, state: state, into: &screen) }
    }

    /// "today 09:12", "Mon 30 Nov", or the date.
    static func lastSeen(_ date: Date, now: Date, in timeZone: TimeZone) -> String {
        let (day, time) = TimelineView.dayAndTime(date, in: timeZone)
        if CalendarMath.startOfDay(date, in: timeZone) == CalendarMath.startOfDay(now, in: timeZone) { return "today " + time }
        return day
    }

    static func drawInvite(_ form: StaffScreenState.InviteForm, into screen: inout Screen) {
        let box = drawBox(title: "Invite to the clinic", width: 60, height: 9, into: &screen)
        let inputX = box.x + 8
        let inputWidth = box.width - 8
        screen.put("Email", x: box.x, y: box.y + 1, style: form.focus == .email ? .bold : .normal)
        screen.fill(x: inputX, y: box.y + 1, width: inputWidth, height: 1, style: form.focus == .email ? .inputFocused : .input)
        let visible = form.email.visible(columns: inputWidth)
        screen.put(visible.text, x: inputX, y: box.y + 1, style: form.focus == .email ? .inputFocused : .input, maxWidth: inputWidth)
        if form.focus == .email { screen.cursor = (inputX + visible.cursorColumn, box.y + 1) }
        screen.put("Role", x: box.x, y: box.y + 3, style: form.focus == .role ? .bold : .normal)
        screen.put("◂ " + StaffScreen.label(form.role) + " ▸", x: inputX, y: box.y + 3, style: form.focus == .role ? .inputFocused : .input)
        if let error = form.error {
            for (offset, line) in TerminalText.wrap(TerminalText.sanitize(error), to: box.width).prefix(2).enumerated() {
                screen.put(line, x: box.x, y: box.y + 5 + offset, style: .error, maxWidth: box.width)
            }
        } else {
            screen.put(form.busy ? "inviting…" : "Enter invite   Tab role (←/→)   Esc cancel", x: box.x, y: box.y + 5, style: .dim, maxWidth: box.width)
        }
    }

    static func drawRename(_ form: StaffScreenState.RenameForm, into screen: inout Screen) {
        let box = drawBox(title: "Rename the clinic", width: 60, height: 7, into: &screen)
        let inputX = box.x + 7
        let inputWidth = box.width - 7
        screen.put("Name", x: box.x, y: box.y + 1, style: .bold)
        screen.fill(x: inputX, y: box.y + 1, width: inputWidth, height: 1, style: .inputFocused)
        let visible = form.name.visible(columns: inputWidth)
        screen.put(visible.text, x: inputX, y: box.y + 1, style: .inputFocused, maxWidth: inputWidth)
        screen.cursor = (inputX + visible.cursorColumn, box.y + 1)
        if let error = form.error {
            screen.put(TerminalText.sanitize(error), x: box.x, y: box.y + 3, style: .error, maxWidth: box.width)
        } else {
            screen.put(form.busy ? "saving…" : "Everyone sees it in the status bar.", x: box.x, y: box.y + 3, style: .dim, maxWidth: box.width)
        }
        screen.put("Enter save   Ctrl-U clear   Esc cancel", x: box.x, y: box.y + 4, style: .dim, maxWidth: box.width)
    }

    static func drawQuestion(_ pending: StaffScreenState.Pending, into screen: inout Screen) {
        let question: String
        switch pending {
        case .role(let member, let role): question = "Make \(TerminalText.sanitize(member.username)) \(StaffScreen.label(role))?"
        case .deactivate(let member):
            question = "Deactivate \(TerminalText.sanitize(member.username))? They are signed out everywhere; their records stay."
        case .reactivate(let member): question = "Let \(TerminalText.sanitize(member.username)) sign in again?"
        case .withdraw(let invitation): question = "Withdraw the invitation for \(TerminalText.sanitize(invitation.email))?"
        }
        let box = drawBox(title: "Staff", width: 60, height: 7, into: &screen)
        for (offset, line) in TerminalText.wrap(question, to: box.width).prefix(3).enumerated() {
            screen.put(line, x: box.x, y: box.y + offset, style: .bold)
        }
        screen.put("y yes   n no", x: box.x, y: box.y + 4, style: .warning)
    }

    /// The code large enough to read over a phone (letters spaced, groups apart), its expiry, and a
    /// QR code a phone can carry to the invitee.
    static func drawCode(_ created: CreatedInvitation, state: AppState, into screen: inout Screen) {
        let box = drawBox(title: "Invitation for " + TerminalText.sanitize(created.email), width: screen.width - 4,
                          height: screen.height - 4, into: &screen)
        let code = TerminalText.sanitize(created.code)
        let spaced = code.split(separator: "-").map { $0.map(String.init).joined(separator: " ") }.joined(separator: "   ")
        // Short enough for a code that fits 80×24: what the invitee types, and for whom.
        let qrText = "Invitation code \(code) for \(created.email)"
        var textX = box.x
        if !state.asciiOnly, let qr = QRCode(qrText) {
            let rows = qr.halfBlockRows(quietZone: 1)
            if rows.count <= box.height, qr.size + 2 + 34 <= box.width {
                for (offset, row) in rows.enumerated() { screen.put(row, x: box.x, y: box.y + offset, style: .normal) }
                textX = box.x + qr.size + 4
            }
        }
        let width = box.x + box.width - textX
        var y = box.y + 1
        screen.put("Read this code to " + StaffScreen.label(created.role) + ":", x: textX, y: y, style: .normal, maxWidth: width)
        y += 2
        screen.put(spaced, x: textX, y: y, style: .title, maxWidth: width)
        y += 2
        let (day, time) = TimelineView.dayAndTime(created.expiresAt, in: state.timeZone)
        for line in TerminalText.wrap("Works once, for \(TerminalText.sanitize(created.email)) only, until \(day) \(time). "
                                      + "They choose Ctrl-R (new account) on the sign-in screen and type it in. "
                                      + "It is not shown again.", to: width).prefix(6) {
            screen.put(line, x: textX, y: y, style: .dim)
            y += 1
        }
        screen.put("Esc close", x: textX, y: box.y + box.height - 1, style: .bold, maxWidth: width)
    }
}
