import ClinicHTTP
import ClinicStore
import Foundation

/// Opens a checkout at the configured payment provider. The provider's webhook (verified in
/// `PaymentWebhooks`) is what makes the clinic Pro; the checkout itself changes nothing.
protocol PaymentGateway: Sendable {
    var name: String { get }
    /// The provider's session id and the page the doctor pays on.
    func createCheckout(caller: CallerRecord, returnBase: String) async throws -> (id: String, url: String)
}

/// Why a provider did not open a checkout: unreachable (503) or refused (502), said in its words.
func gatewayFailure(_ provider: String, status: Int?, body: Data) -> APIError {
    guard let status else {
        return APIError(.serviceUnavailable, "\(provider) cannot be reached: try again in a minute", code: "gateway_unavailable")
    }
    let object = (try? JSONSerialization.jsonObject(with: body)) as? [String: Any]
    let error = object?["error"] as? [String: Any]
    let message = error?["message"] as? String ?? error?["description"] as? String ?? "HTTP \(status)"
    return APIError(.badGateway, "\(provider) refused the checkout: \(message)", code: "gateway_error")
}

/// Stripe Checkout in subscription mode (POST /v1/checkout/sessions, form-encoded, bearer secret key).
/// The user's id travels as `client_reference_id` and in the session's and the subscription's
/// metadata, so every later event (renewal failed, cancelled) names the user.
struct StripeCheckout: PaymentGateway {
    let apiBase: String
    let secretKey: String
    let priceID: String
    let http: CurlHTTPClient
    var name: String { "stripe" }

    func createCheckout(caller: CallerRecord, returnBase: String) async throws -> (id: String, url: String) {
        let form: [(String, String)] = [
            ("mode", "subscription"),
            ("line_items[0][price]", priceID),
            ("line_items[0][quantity]", "1"),
            ("client_reference_id", caller.userId),
            ("customer_email", caller.user.email),
            ("metadata[user_id]", caller.userId),
            ("metadata[clinic_id]", caller.clinicId),
            ("subscription_data[metadata][user_id]", caller.userId),
            ("subscription_data[metadata][clinic_id]", caller.clinicId),
            ("success_url", returnBase + "/checkout/done?session_id={CHECKOUT_SESSION_ID}"),
            ("cancel_url", returnBase + "/checkout/cancelled"),
        ]
        let request = HTTPExchange.Request(method: "POST", url: apiBase + "/v1/checkout/sessions", headers: [
            ("Authorization", "Bearer \(secretKey)"),
            ("Content-Type", "application/x-www-form-urlencoded"),
            // A retried request (a timeout after Stripe got it) must not open a second session.
            ("Idempotency-Key", UUID().uuidString),
        ], body: Data(Self.formEncode(form).utf8))
        let response: HTTPExchange.Response
        do { response = try await http.send(request) } catch { throw gatewayFailure("Stripe", status: nil, body: Data()) }
        guard response.status == 200,
              let session = (try? JSONSerialization.jsonObject(with: response.body)) as? [String: Any],
              let id = session["id"] as? String, let url = session["url"] as? String
        else { throw gatewayFailure("Stripe", status: response.status, body: response.body) }
        return (id, url)
    }

    /// application/x-www-form-urlencoded, Stripe's bracketed keys included.
    static func formEncode(_ pairs: [(String, String)]) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        func encode(_ text: String) -> String { text.addingPercentEncoding(withAllowedCharacters: allowed) ?? "" }
        return pairs.map { encode($0.0) + "=" + encode($0.1) }.joined(separator: "&")
    }
}

/// Razorpay Payment Links (POST /v1/payment_links, JSON, basic auth with the key id and secret).
/// `notes.user_id` comes back in the `payment_link.paid` webhook.
struct RazorpayPaymentLinks: PaymentGateway {
    let apiBase: String
    let keyID: String
    let keySecret: String
    let amountMinor: Int
    let currency: String
    let http: CurlHTTPClient
    var name: String { "razorpay" }

    func createCheckout(caller: CallerRecord, returnBase: String) async throws -> (id: String, url: String) {
        let user = caller.user
        let body: [String: Any] = [
            "amount": amountMinor, "currency": currency, "accept_partial": false,
            "description": "Clinic OS Lite Pro, one month",
            "customer": ["name": user.username, "email": user.email],
            "notify": ["sms": false, "email": false],
            "reference_id": "clinic_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(24).lowercased(),
            "notes": ["user_id": user.id, "clinic_id": caller.clinicId],
            "callback_url": returnBase + "/checkout/done", "callback_method": "get",
        ]
        let credentials = Data("\(keyID):\(keySecret)".utf8).base64EncodedString()
        let request = HTTPExchange.Request(method: "POST", url: apiBase + "/v1/payment_links", headers: [
            ("Authorization", "Basic \(credentials)"), ("Content-Type", "application/json"),
        ], body: try JSONSerialization.data(withJSONObject: body, options: [.sortedKeys]))
        let response: HTTPExchange.Response
        do { response = try await http.send(request) } catch { throw gatewayFailure("Razorpay", status: nil, body: Data()) }
        guard response.status == 200 || response.status == 201,
              let link = (try? JSONSerialization.jsonObject(with: response.body)) as? [String: Any],
              let id = link["id"] as? String, let url = link["short_url"] as? String
        else { throw gatewayFailure("Razorpay", status: response.status, body: response.body) }
        return (id, url)
    }
}
