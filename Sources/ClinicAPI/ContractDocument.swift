import Foundation

/// The OpenAPI document this module was generated from.
public enum ContractDocument {
    public static func yaml() -> Data? {
        guard let url = Bundle.module.url(forResource: "openapi", withExtension: "yaml") else { return nil }
        return try? Data(contentsOf: url)
    }
}
