import ClinicAPI
import ClinicStore
import ClinicWebhooks
import Foundation
import OpenAPIRuntime

extension ClinicAPIHandler {
    func listPlans(_ input: Operations.ListPlans.Input) async throws -> Operations.ListPlans.Output {
        .ok(.init(body: .json([
            .init(id: .basic, name: "Basic", priceMinor: 0, currency: configuration.currency, interval: "90-day trial",
                  features: ["Patients", "Clinical notes with versions", "Appointment calendar"]),
            .init(id: .pro, name: "Pro", priceMinor: configuration.proPriceMinor, currency: configuration.currency, interval: "month",
                  features: ["Everything in Basic", "Documents with secure download links", "Practice analytics"]),
        ])))
    }

    func createPaymentSession(_ input: Operations.CreatePaymentSession.Input) async throws -> Operations.CreatePaymentSession.Output {
        guard case .json(let body) = input.body else { throw APIError(.unsupportedMediaType, "expected application/json") }
        // Any status may pay: an inactive clinic upgrading is the point. The owner pays.
        let caller = try await auth.authenticate()
        try allow(caller, Operations.CreatePaymentSession.id)
        if caller.plan == .pro && caller.status == .active {
            throw APIError(.conflict, "You are already on an active Pro subscription", code: "already_pro")
        }
        guard let gatewayKind else {
            throw APIError(.serviceUnavailable, "Upgrades are not available on this server yet (no payment gateway is configured)",
                           code: "payments_unavailable")
        }
        if localCheckoutIsClosedToThisRequest {
            throw APIError(.serviceUnavailable,
                           "Upgrades are not available through a proxy on this server: its local test checkout serves this machine only "
                               + "(set PAYMENT_GATEWAY to a payment provider)",
                           code: "payments_unavailable")
        }
        if let gateway {
            let checkout = try await gateway.createCheckout(caller: caller, returnBase: linkBase)
            _ = try await store.createPaymentSession(clinicId: caller.clinicId, plan: body.plan.rawValue, gateway: gateway.name, id: checkout.id, now: now)
            RequestScope.logger.info("checkout opened", metadata: ["gateway": "\(gateway.name)", "session": "\(checkout.id)"])
            return .ok(.init(body: .json(.init(sessionId: checkout.id, checkoutUrl: checkout.url))))
        }
        // 128 random bits: unguessable, and short enough that the checkout URL fits a QR code an
        // 80x24 terminal can show (version 4).
        let id = "cs_local_" + AuthService.randomToken(bits: .bits128)
        _ = try await store.createPaymentSession(clinicId: caller.clinicId, plan: body.plan.rawValue, gateway: gatewayKind.rawValue, id: id, now: now)
        return .ok(.init(body: .json(.init(sessionId: id, checkoutUrl: linkBase + "/checkout/" + id))))
    }

    func paymentWebhook(_ input: Operations.PaymentWebhook.Input) async throws -> Operations.PaymentWebhook.Output {
        guard case .any(let raw) = input.body else { throw APIError(.badRequest, "missing body", code: "bad_request") }
        let body = try await [UInt8](collecting: raw, upTo: 1 << 20)
        do {
            let applied = try await webhooks.handle(body: body, stripeSignature: input.headers.stripeSignature,
                                                    razorpaySignature: input.headers.xRazorpaySignature)
            metrics.webhook(applied ? "applied" : "not_applied")
            return .ok(.init(body: .json(.init(received: true, applied: applied))))
        } catch let rejection as WebhookRejection {
            metrics.webhook("rejected")
            RequestScope.logger.warning("payment event rejected", metadata: ["reason": "\(rejection)"])
            let detail = switch rejection {
            case .missingSignature: "Missing signature header"
            case .badSignature: "Signature does not match"
            case .staleSignature: "Signature timestamp outside the tolerance"
            case .malformed: "Event is not in the expected shape"
            }
            throw APIError(.badRequest, detail, code: "bad_signature")
        }
    }

    func localCheckoutPage(_ input: Operations.LocalCheckoutPage.Input) async throws -> Operations.LocalCheckoutPage.Output {
        let session = try await localCheckoutSession(input.path.sessionId)
        let price = String(format: "%.2f", Double(configuration.proPriceMinor) / 100)
        let body = session.status == "open"
            ? """
              <h1>Clinic OS Lite: upgrade to Pro</h1>
              <p>Pro: \(price) \(Self.html(configuration.currency)) per month. Documents with secure download links and practice analytics.</p>
              <p>This is the local test checkout: no card is charged.</p>
              <form method="post" action="/checkout/\(Self.html(session.id))/confirm"><button type="submit">Confirm payment</button></form>
              """
            : "<h1>Payment already received</h1><p>You can return to Clinic OS Lite.</p>"
        return .ok(.init(body: .html(HTTPBody(Self.page(body)))))
    }

    func localCheckoutConfirm(_ input: Operations.LocalCheckoutConfirm.Input) async throws -> Operations.LocalCheckoutConfirm.Output {
        let session = try await localCheckoutSession(input.path.sessionId)
        if session.status == "open" {
            // A Stripe-format event, signed like Stripe, through the same verification as a real one.
            let event: [String: Any] = [
                "id": "evt_local_" + AuthService.randomToken(), "object": "event", "type": "checkout.session.completed",
                "created": now / 1000,
                "data": ["object": ["id": session.id, "object": "checkout.session", "mode": "subscription",
                                    "client_reference_id": session.clinicId, "metadata": ["clinic_id": session.clinicId],
                                    "payment_status": "paid", "status": "complete"]],
            ]
            let body = Array(try JSONSerialization.data(withJSONObject: event))
            // Always there while the local gateway runs (it is resolved for it); without it nothing could be confirmed.
            guard let stripeSecret = webhooks.stripeSecret else { throw APIError.notFound("Checkout session") }
            let signature = WebhookSignature.stripeHeader(body: body, secret: stripeSecret, timestamp: now / 1000)
            _ = try await webhooks.handle(body: body, stripeSignature: signature, razorpaySignature: nil)
        }
        return .ok(.init(body: .html(HTTPBody(Self.page("<h1>Payment received</h1><p>Pro is active. You can return to Clinic OS Lite.</p>")))))
    }

    /// A checkout of the local gateway while the local gateway is the one running, or 404: a
    /// server running Stripe (or none) confirms nothing itself, whatever sessions it once made.
    func localCheckoutSession(_ id: String) async throws -> PaymentSessionRecord {
        guard gatewayKind == .local, !localCheckoutIsClosedToThisRequest, id.utf8.count <= 64,
              let session = try await store.paymentSession(id: id), session.gateway == "local"
        else {
            throw APIError.notFound("Checkout session")
        }
        return session
    }

    /// The local checkout makes Pro for whoever confirms it. Running only by default (a loopback
    /// bind, PAYMENT_GATEWAY unset) it is for the people at this machine; a request that came
    /// through a proxy came from elsewhere (behind a local reverse proxy every client is 127.0.0.1),
    /// so it neither opens nor confirms one. Set explicitly (a staging demo), it serves anyone.
    var localCheckoutIsClosedToThisRequest: Bool {
        gatewayKind == .local && configuration.paymentGateway == nil && RequestScope.isForwarded
    }

    static func page(_ body: String) -> String {
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>Clinic OS Lite checkout</title></head><body>\(body)</body></html>"
    }

    static func html(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}

// MARK: Analytics

extension ClinicAPIHandler {
    /// Periods covering [from, to) in `timeZone` (weeks start on Monday); each period's bounds are
    /// calendar boundaries, so a DST day has 23 or 25 hours.
    static func analyticsPeriods(interval: String, from: Date?, to: Date?, timeZoneName: String?) throws -> [AnalyticsPeriod] {
        guard let timeZone = TimeZone(identifier: timeZoneName ?? "UTC") else {
            throw APIError.invalid(["query", "tz"], "tz must be an IANA time zone such as Europe/Berlin")
        }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        calendar.firstWeekday = 2
        let (component, limit): (Calendar.Component, Int) = switch interval {
        case "week": (.weekOfYear, 260)
        case "month": (.month, 120)
        default: (.day, 366)
        }
        let end = to ?? Date()
        let defaultSpan: DateComponents = switch interval {
        case "week": DateComponents(weekOfYear: -12)
        case "month": DateComponents(month: -12)
        default: DateComponents(day: -30)
        }
        let startDate = from ?? calendar.date(byAdding: defaultSpan, to: end) ?? end
        guard startDate < end else { throw APIError.invalid(["query", "to"], "to must be after from") }
        guard var current = calendar.dateInterval(of: component == .weekOfYear ? .weekOfYear : component, for: startDate)?.start else {
            throw APIError.invalid(["query", "from"], "from is out of range")
        }
        var periods: [AnalyticsPeriod] = []
        while current < end {
            guard let next = calendar.date(byAdding: component, value: 1, to: current) else { break }
            periods.append(AnalyticsPeriod(start: Clock.millis(current), end: Clock.millis(next)))
            if periods.count > limit {
                throw APIError.invalid(["query", "from"], "at most \(limit) \(interval)s in one request")
            }
            current = next
        }
        return periods
    }

    func patientGrowth(_ input: Operations.PatientGrowth.Input) async throws -> Operations.PatientGrowth.Output {
        let caller = try await auth.authenticate()
        try allow(caller, Operations.PatientGrowth.id)
        let interval = input.query.interval?.rawValue ?? "day"
        let periods = try Self.analyticsPeriods(interval: interval, from: input.query.from, to: input.query.to, timeZoneName: input.query.tz)
        let (before, counts) = try await store.patientGrowth(clinicId: caller.clinicId, periods: periods)
        var total = before
        let points = zip(periods, counts).map { period, count in
            total += count
            return Components.Schemas.PatientGrowth.PointsPayloadPayload(periodStart: Clock.date(period.start), newPatients: Int(count),
                                                                         totalPatients: Int(total))
        }
        return .ok(.init(body: .json(.init(interval: interval, points: points))))
    }

    func appointmentOutcomes(_ input: Operations.AppointmentOutcomes.Input) async throws -> Operations.AppointmentOutcomes.Output {
        let caller = try await auth.authenticate()
        try allow(caller, Operations.AppointmentOutcomes.id)
        let interval = input.query.interval?.rawValue ?? "day"
        let periods = try Self.analyticsPeriods(interval: interval, from: input.query.from, to: input.query.to, timeZoneName: input.query.tz)
        let counts = try await store.appointmentOutcomes(clinicId: caller.clinicId, periods: periods)
        let points = zip(periods, counts).map { period, row in
            Components.Schemas.AppointmentOutcomes.PointsPayloadPayload(
                periodStart: Clock.date(period.start), scheduled: Int(row["scheduled"] ?? 0), completed: Int(row["completed"] ?? 0),
                cancelled: Int(row["cancelled"] ?? 0), noShow: Int(row["no_show"] ?? 0), arrived: Int(row["arrived"] ?? 0))
        }
        return .ok(.init(body: .json(.init(interval: interval, points: points))))
    }
}
