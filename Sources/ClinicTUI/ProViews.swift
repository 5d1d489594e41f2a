import ClinicAPI
import Foundation

enum UpgradeView {
    static func price(_ plan: PlanOffer) -> String {
        plan.priceMinor == 0 ? "free" : String(format: "%.2f %@ / %@", Double(plan.priceMinor) / 100, TerminalText.sanitize(plan.currency),
                                               TerminalText.sanitize(plan.interval))
    }

    static func draw(_ upgrade: AppState.UpgradeState, state: AppState, into screen: inout Screen) {
        let box = drawBox(title: "Upgrade to Pro", width: 76, height: min(24, screen.height - 3), into: &screen)
        if let url = upgrade.checkoutURL, !upgrade.done, drawWithQRCode(url, upgrade: upgrade, state: state, box: box, into: &screen) { return }
        var y = box.y
        if upgrade.loading {
            screen.put("Loading plans…", x: box.x, y: y, style: .dim)
            return
        }
        // Plans side by side.
        let columnWidth = (box.width - 2) / max(1, upgrade.plans.count)
        var tallest = 0
        for (index, plan) in upgrade.plans.enumerated() {
            let x = box.x + index * (columnWidth + 2)
            screen.put(TerminalText.sanitize(plan.name), x: x, y: y, style: plan.id == .pro ? .title : .bold, maxWidth: columnWidth)
            screen.put(price(plan), x: x, y: y + 1, style: .accent, maxWidth: columnWidth)
            var row = y + 2
            for feature in plan.features.prefix(6) {
                for line in TerminalText.wrap("• " + TerminalText.sanitize(feature), to: columnWidth).prefix(2) {
                    screen.put(line, x: x, y: row, maxWidth: columnWidth)
                    row += 1
                }
            }
            tallest = max(tallest, row - y)
        }
        y += tallest + 1
        let bottom = box.y + box.height
        if upgrade.done {
            screen.put("Pro is active. Documents (2) and analytics (3) are unlocked.", x: box.x, y: y, style: .success, maxWidth: box.width)
            screen.put("Esc to close.", x: box.x, y: y + 1, style: .dim)
            return
        }
        if let url = upgrade.checkoutURL {
            screen.put("Open this address to pay:", x: box.x, y: y, style: .bold)
            for line in wrapHard(TerminalText.sanitize(url), columns: box.width).prefix(3) {
                y += 1
                screen.put(line, x: box.x, y: y, style: .accent)
            }
            y += 2
            screen.put(upgrade.copied ? "y: sent to the clipboard (OSC 52)   o: open in $BROWSER" : "y: copy the address   o: open in $BROWSER",
                       x: box.x, y: y, style: .dim, maxWidth: box.width)
            y += 1
            if url.contains("/checkout/cs_local_") {
                screen.put("This server takes test payments: press c to confirm from here.", x: box.x, y: y, maxWidth: box.width)
                y += 1
            }
            if let until = upgrade.pollingUntil, y < bottom {
                let left = max(0, Int(until.timeIntervalSince(state.now)))
                let status = upgrade.confirming ? "confirming…" : "waiting for the payment… \(left / 60):" + String(format: "%02d", left % 60) + " left"
                screen.put(spinnerFrames[state.spinner % spinnerFrames.count] + " " + status, x: box.x, y: y, style: .dim)
                y += 1
            }
        } else if upgrade.creating {
            screen.put("Opening a checkout…", x: box.x, y: y, style: .dim)
            y += 1
        } else {
            screen.put("Enter: pay for Pro    Esc: not now", x: box.x, y: y, style: .bold)
            y += 1
        }
        if let error = upgrade.error, y < bottom {
            screen.put(TerminalText.sanitize(error), x: box.x, y: min(y + 1, bottom - 1), style: .error, maxWidth: box.width)
        }
    }

    static func wrapHard(_ text: String, columns: Int) -> [String] { NoteEditorView.wrapHard(text, columns: columns) }

    /// The checkout as a QR code to scan with a phone, beside the address and what to do next.
    /// Returns false when the code would not fit (small terminal, long URL) or the terminal lacks
    /// UTF-8: the caller then prints the address alone.
    static func drawWithQRCode(_ url: String, upgrade: AppState.UpgradeState, state: AppState,
                               box: (x: Int, y: Int, width: Int, height: Int), into screen: inout Screen) -> Bool {
        let address = TerminalText.sanitize(url)
        guard !state.asciiOnly, let code = QRCode(address) else { return false }
        let rows = code.halfBlockRows(quietZone: 1)
        let qrWidth = code.size + 2
        let textWidth = box.width - qrWidth - 2
        guard rows.count <= box.height, textWidth >= 24 else { return false }
        for (offset, row) in rows.enumerated() { screen.put(row, x: box.x, y: box.y + offset, style: .normal) }
        let x = box.x + qrWidth + 2
        var y = box.y
        screen.put("Scan to pay for Pro,", x: x, y: y, style: .bold, maxWidth: textWidth)
        screen.put("or open this address:", x: x, y: y + 1, style: .bold, maxWidth: textWidth)
        y += 3
        for line in wrapHard(address, columns: textWidth).prefix(6) {
            screen.put(line, x: x, y: y, style: .accent)
            y += 1
        }
        y += 1
        var hints = ["o  open in $BROWSER", upgrade.copied ? "y  sent to the clipboard" : "y  copy the address"]
        if url.contains("/checkout/cs_local_") { hints.insert("c  confirm the test payment here", at: 0) }
        hints.append("Esc  close (Pro unlocks by itself)")
        for hint in hints {
            screen.put(hint, x: x, y: y, maxWidth: textWidth)
            y += 1
        }
        y += 1
        if let until = upgrade.pollingUntil {
            let left = max(0, Int(until.timeIntervalSince(state.now)))
            let status = upgrade.confirming ? "confirming…" : "waiting for the payment… \(left / 60):" + String(format: "%02d", left % 60)
            screen.put(spinnerFrames[state.spinner % spinnerFrames.count] + " " + status, x: x, y: y, style: .dim, maxWidth: textWidth)
            y += 1
        }
        if let error = upgrade.error {
            for line in TerminalText.wrap(TerminalText.sanitize(error), to: textWidth).prefix(3) {
                y += 1
                screen.put(line, x: x, y: y, style: .error)
            }
        }
        return true
    }
}

enum ProPaneView {
    /// A Pro pane: its title, then the locked card (no request made) or its content.
    static func draw(_ title: String, subtitle: String?, features: [String], state: AppState, x: Int, width: Int,
                     into screen: inout Screen, unlocked: (AppState, Int, Int, inout Screen) -> Void) {
        screen.put(title + (subtitle.map { " · " + $0 } ?? ""), x: x, y: 1, style: .title, maxWidth: width)
        if state.proLocked {
            drawLocked(title, features: features, canUpgrade: state.roleAllows(.billing), x: x, width: width, into: &screen)
        } else {
            unlocked(state, x, width, &screen)
        }
    }

    static func drawLocked(_ title: String, features: [String], canUpgrade: Bool, x: Int, width: Int, into screen: inout Screen) {
        screen.put("🔒 " + title + " is a Pro feature", x: x, y: 3, style: .title, maxWidth: width)
        var y = 5
        for feature in features {
            screen.put("• " + feature, x: x, y: y, style: .locked, maxWidth: width)
            y += 1
        }
        // Staff cannot buy the plan: they are told who can, and that it unlocks by itself.
        let next = canUpgrade ? "Press U to upgrade." : "The clinic's owner can upgrade; it unlocks here by itself."
        for (offset, line) in TerminalText.wrap(next, to: width).prefix(2).enumerated() {
            screen.put(line, x: x, y: y + 1 + offset, style: .bold, maxWidth: width)
        }
    }

    static func drawDocuments(_ state: AppState, _ x: Int, _ width: Int, _ screen: inout Screen) {
        let documents = state.documents
        if let transfer = documents.transfer {
            // "Uploading scan.pdf  ████████░░░░  61%  12.2/20.0 MiB"
            let fraction = transfer.total > 0 ? Double(transfer.done) / Double(transfer.total) : 0
            let barWidth = max(10, min(30, width - 40))
            let filled = Int(fraction * Double(barWidth))
            let text = TerminalText.truncate(transfer.label, to: max(8, width - barWidth - 8)) + "  "
                + String(repeating: "█", count: filled) + String(repeating: "░", count: barWidth - filled)
                + String(format: " %3d%%", Int(fraction * 100))
            screen.put(text, x: x, y: screen.height - 3, style: .accent, maxWidth: width)
        }
        if documents.items.isEmpty {
            let text = documents.loading ? "Loading documents…" : documents.error.map { "Could not load: " + TerminalText.sanitize($0) }
                ?? "No documents for this patient. Press u to upload one."
            screen.put(text, x: x, y: 3, style: documents.error != nil ? .error : .dim, maxWidth: width)
            return
        }
        // The date as "25 Nov 2026" (no weekday), so name, type, size and date fit the 80-column pane.
        screen.put(TerminalText.fit("Name", to: width - 28) + " Type  Size      Uploaded", x: x, y: 2, style: .dim, maxWidth: width)
        let focused = state.focus == .timeline
        let rows = max(1, screen.height - 7)
        let first = max(0, documents.selected - rows + 1)
        for (offset, document) in documents.items.dropFirst(first).prefix(rows).enumerated() {
            let index = first + offset
            let kind = document.contentType.hasPrefix("application/pdf") ? "PDF" : document.contentType.hasPrefix("image/png") ? "PNG"
                : document.contentType.hasPrefix("image/jpeg") ? "JPEG" : "Text"
            let size = document.sizeBytes >= 1 << 20 ? String(format: "%.1f MiB", Double(document.sizeBytes) / 1_048_576)
                : String(format: "%.0f KiB", max(1, Double(document.sizeBytes) / 1024))
            let day = TimelineView.dayAndTime(document.uploadedAt, in: state.timeZone).day.split(separator: " ").dropFirst().joined(separator: " ")
            let row = TerminalText.fit(TerminalText.sanitize(document.fileName), to: width - 28) + " " + TerminalText.fit(kind, to: 5)
                + TerminalText.fit(size, to: 10) + day
            if focused && index == documents.selected {
                screen.bar(TerminalText.truncate(row, to: width), y: 3 + offset, x: x, width: width, style: .selected)
            } else {
                screen.put(row, x: x, y: 3 + offset, maxWidth: width)
            }
        }
    }
}
