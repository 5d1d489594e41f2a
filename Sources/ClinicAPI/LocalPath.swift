import Foundation

/// A path typed by the user: `~` and `~/…` name $HOME as a shell would (Foundation's own expansion
/// reads the password database instead, which differs from $HOME under `sudo -E`, in containers and
/// wherever HOME is set for a session).
public enum LocalPath {
    public static func expandingTilde(_ path: String, environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        guard path == "~" || path.hasPrefix("~/") else { return (path as NSString).expandingTildeInPath }
        guard let home = environment["HOME"], !home.isEmpty else { return (path as NSString).expandingTildeInPath }
        return home + path.dropFirst()
    }
}
