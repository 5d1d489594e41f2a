import ClinicAPI
import Foundation

/// The upgrade screen and the Pro panes (documents, analytics): keys and answers.
enum ProFeatures {
    static let pollEvery = 2000
    static let pollFor: TimeInterval = 600

    static func openUpgrade(_ state: inout AppState) -> [Command] {
        if let user = state.user, user.plan == .pro && user.status == .active {
            state.toast = .info("You are on Pro: documents and analytics are unlocked.")
            return []
        }
        guard state.roleAllows(.billing) else {
            // Doctors and the desk do not buy the plan: said, and nothing asked of the server.
            state.toast = .info(Entitlements.detail(.roleForbidden, for: .billing))
            return []
        }
        state.overlay = .upgrade(AppState.UpgradeState())
        return [.loadPlans]
    }

    /// A locked pane opened re-checks the plan at most this often.
    static let lockedRecheckInterval: TimeInterval = 10

    /// Keys 1, 2, 3: notes, documents, analytics. A locked pane shows what Pro adds and asks nothing
    /// of the server but, now and then, whether the plan has changed.
    static func showPane(_ state: inout AppState, _ pane: AppState.RightPane) -> [Command] {
        // A pane the role does not have (analytics for the front desk) is not there at all.
        if pane == .analytics && !state.roleAllows(.analytics) { return [] }
        state.rightPane = pane
        guard pane != .notes else { return [] }
        if state.proLocked {
            // The plan may have changed elsewhere (the owner upgraded on another terminal): ask the
            // server about the plan, never for the Pro data, unless it was asked a moment ago.
            guard state.now.timeIntervalSince(state.userCheckedAt) >= lockedRecheckInterval else { return [] }
            state.userCheckedAt = state.now
            return [.refreshUser]
        }
        return refreshPane(&state)
    }

    static func refreshPane(_ state: inout AppState) -> [Command] {
        guard !state.proLocked else { return [] }
        switch state.rightPane {
        case .notes:
            return []
        case .documents:
            guard let patient = state.selectedPatient else { return [] }
            if state.documents.patientID == patient.id && !state.documents.items.isEmpty && !state.documents.loading { return [] }
            state.documents = AppState.DocumentsState(patientID: patient.id, loading: true)
            return [.loadDocuments(patientID: patient.id)]
        case .analytics:
            return AnalyticsPane.load(&state)
        }
    }

    /// Answers for the upgrade dialog: they change it only while it is still open.
    static func update(_ state: inout AppState, _ msg: UpgradeMsg) -> [Command] {
        switch msg {
        case .plansLoaded(let plans):
            state.overlay?.upgrade?.plans = plans
            state.overlay?.upgrade?.loading = false
            return []
        case .plansFailed(let failure), .checkoutFailed(let failure):
            guard state.overlay?.upgrade != nil else { return [] }
            state.overlay?.upgrade?.failed(failure.message)
            if failure.code == "already_pro" { return [.refreshUser] }
            return []
        case .checkoutCreated(_, let url):
            guard state.overlay?.upgrade != nil else { return [] }
            state.overlay?.upgrade?.creating = false
            state.overlay?.upgrade?.checkoutURL = url
            state.overlay?.upgrade?.pollingUntil = state.now.addingTimeInterval(pollFor)
            return [.after(milliseconds: pollEvery, .upgrade(.pollUpgrade))]
        case .browserOpened(let error):
            state.toast = error.map { .error($0) } ?? .info("Opened in your browser: pay there, Pro unlocks here by itself.")
            return []
        case .localCheckoutConfirmed:
            guard state.overlay?.upgrade != nil else { return [] }
            state.overlay?.upgrade?.confirming = false
            return [.refreshUser]
        case .pollUpgrade:
            guard let upgrade = state.overlay?.upgrade, !upgrade.done, let until = upgrade.pollingUntil, state.now < until else { return [] }
            return [.refreshUser, .after(milliseconds: pollEvery, .upgrade(.pollUpgrade))]
        }
    }

    /// The plan and status as the server has them now: the panes unlock (or lock) at once.
    static func userRefreshed(_ state: inout AppState, _ user: User) -> [Command] {
        let wasLocked = state.proLocked
        state.user = user
        if wasLocked && !state.proLocked {
            state.overlay?.upgrade?.done = true
            state.overlay?.upgrade?.pollingUntil = nil
            state.toast = .info("Pro is active: documents (2) and analytics (3) are unlocked.")
            return refreshPane(&state)
        }
        return []
    }

    /// A 403 for a Pro feature means the cached plan was stale: ask the server and relock.
    static func correctStaleCache(_ state: inout AppState, _ failure: ClientFailure) -> [Command] {
        if failure.refusesTheCachedPlan {
            if var user = state.user {
                if failure.code == "subscription_inactive" { user.status = .inactive } else if user.plan == .pro { user.status = .inactive } else { user.plan = .basic }
                state.user = user
            }
            return [.refreshUser]
        }
        return Results.expireIfNeeded(&state, failure) ?? []
    }
}

extension AppState.UpgradeState {
    /// A request for plans or a checkout refused: said in the dialog, which can be tried again.
    mutating func failed(_ message: String) {
        loading = false
        creating = false
        confirming = false
        error = message
    }

    /// A key in the upgrade dialog: its requests go out from here; only closing is the app's.
    mutating func update(_ key: Key, in state: AppState) -> DialogOutcome<Never> {
        guard let action = ProFeatures.upgradeBindings.action(for: key, in: state) else { return .stay }
        switch action {
        case .close:
            return .close
        case .pay:
            guard !creating else { return .stay }
            creating = true
            error = nil
            return .stay([.createCheckout])
        case .openBrowser:
            guard let url = checkoutURL else { return .stay }
            return .stay([.openBrowser(url: url)])
        case .copyAddress:
            guard let url = checkoutURL else { return .stay }
            copied = true
            return .stay([.copyToClipboard(text: TerminalText.sanitize(url))])
        case .confirmTestPayment:
            guard let url = checkoutURL, !confirming else { return .stay }
            confirming = true
            return .stay([.confirmLocalCheckout(url: url)])
        }
    }
}
