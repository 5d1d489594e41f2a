import Foundation

/// The analytics pane (Pro): patient growth and appointment outcomes per day, week or month,
/// charted with block characters (ASCII on terminals without UTF-8), the numbers on demand.
enum AnalyticsPane {
    typealias Interval = AppState.AnalyticsState.Interval

    /// How many periods each range choice covers; `[` and `]` step through them.
    static func ranges(_ interval: Interval) -> [Int] {
        switch interval {
        case .day: return [14, 30, 90, 180, 366]
        case .week: return [8, 13, 26, 52]
        case .month: return [6, 12, 24, 60]
        }
    }

    static func periods(_ analytics: AppState.AnalyticsState) -> Int {
        let choices = ranges(analytics.interval)
        return choices[min(max(0, analytics.rangeIndex), choices.count - 1)]
    }

    /// The first period's start: today, this week (Monday) or this month, stepped back.
    static func rangeStart(_ analytics: AppState.AnalyticsState, now: Date, in tz: TimeZone) -> Date {
        let calendar = CalendarMath.calendar(tz)
        let count = periods(analytics) - 1
        switch analytics.interval {
        case .day:
            return CalendarMath.addDays(-count, to: CalendarMath.startOfDay(now, in: tz), in: tz)
        case .week:
            return CalendarMath.addDays(-7 * count, to: CalendarMath.weekStart(now, in: tz), in: tz)
        case .month:
            let first = calendar.date(from: calendar.dateComponents([.year, .month], from: now)) ?? now
            return CalendarMath.addMonths(-count, to: first, in: tz)
        }
    }

    /// The pane shown (or its interval changed): its charts asked for unless they are there or on their way.
    static func load(_ state: inout AppState, force: Bool = false) -> [Command] {
        Screens.run(&state, \.analytics) { analytics, app in .send(analytics.load(in: app, force: force)) }
    }

    static func perform(_ state: inout AppState, _ action: MainScreen.KeyAction) -> [Command] {
        Screens.run(&state, \.analytics) { analytics, app in .send(analytics.perform(action, in: app)) }
    }

    static func update(_ state: inout AppState, _ msg: AnalyticsMsg) -> [Command] {
        Screens.run(&state, \.analytics) { analytics, app in analytics.update(msg, in: app) }
    }

    /// A count as the charts may sum it: 0 to a billion.
    static func plausibleCount(_ value: Int) -> Int { min(max(value, 0), 1_000_000_000) }
}

/// The analytics pane's own state changed by its keys (the records' analytics table) and answers.
extension AppState.AnalyticsState {
    /// What the charts show: the interval and how many periods.
    var key: String { "\(interval.rawValue)-\(AnalyticsPane.periods(self))" }

    mutating func load(in app: AppState, force: Bool = false) -> [Command] {
        let key = key
        guard force || (loadedKey != key && requestedKey != key) else { return [] }
        requestedKey = key
        loading = true
        error = nil
        return [.loadAnalytics(key: key, interval: interval.rawValue, from: AnalyticsPane.rangeStart(self, now: app.now, in: app.timeZone),
                               to: app.now)]
    }

    /// The chart keys: an interval, a range, the numbers.
    mutating func perform(_ action: MainScreen.KeyAction, in app: AppState) -> [Command] {
        switch action {
        case .dayInterval, .weekInterval, .monthInterval:
            let chosen: Interval = action == .dayInterval ? .day : action == .weekInterval ? .week : .month
            // Each interval starts on its usual range: a month of days, a quarter of weeks, a year of months.
            if chosen != interval { rangeIndex = 1 }
            interval = chosen
        case .shorterRange: rangeIndex = max(0, rangeIndex - 1)
        case .longerRange: rangeIndex = min(AnalyticsPane.ranges(interval).count - 1, rangeIndex + 1)
        case .numbers:
            showNumbers.toggle()
            return []
        default: return []
        }
        return load(in: app)
    }

    mutating func update(_ msg: AnalyticsMsg, in app: AppState) -> ScreenOutcome {
        switch msg {
        case .loaded(let key, let growth, let outcomes):
            guard key == requestedKey else { return .none }
            // Counts from a server are summed and scaled for the charts: a negative or absurd one
            // (any server may answer) must not overflow the sums.
            self.growth = growth.map { point in
                var point = point
                point.newPatients = AnalyticsPane.plausibleCount(point.newPatients)
                point.totalPatients = AnalyticsPane.plausibleCount(point.totalPatients)
                return point
            }
            self.outcomes = outcomes.map { point in
                var point = point
                point.scheduled = AnalyticsPane.plausibleCount(point.scheduled)
                point.completed = AnalyticsPane.plausibleCount(point.completed)
                point.cancelled = AnalyticsPane.plausibleCount(point.cancelled)
                point.noShow = AnalyticsPane.plausibleCount(point.noShow)
                return point
            }
            loading = false
            error = nil
            loadedKey = key
            return .none
        case .failed(let key, let failure):
            guard key == requestedKey else { return .none }
            loading = false
            requestedKey = loadedKey
            if !failure.isAboutTheAccount && app.loggedIn { error = failure.message }
            return .ask(.accountFailure(failure))
        }
    }
}

extension AnalyticsPane {
    // MARK: Drawing


    static let eighths: [Character] = [" ", "▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"]

    static func label(_ date: Date, _ interval: Interval, in timeZone: TimeZone) -> String {
        let c = CalendarMath.calendar(timeZone).dateComponents([.year, .month, .day], from: date)
        let month = TimelineView.months[(c.month ?? 1) - 1]
        switch interval {
        case .day, .week: return "\(c.day ?? 1) \(month)"
        case .month: return "\(month) \(c.year ?? 1970)"
        }
    }

    static func draw(_ state: AppState, _ x: Int, _ width: Int, _ screen: inout Screen) {
        let analytics = state.analytics
        let noun = ["day": "days", "week": "weeks", "month": "months"][analytics.interval.rawValue] ?? "periods"
        var header = "Per \(analytics.interval.rawValue), last \(periods(analytics)) \(noun)"
        if analytics.loading { header += " · loading…" }
        screen.put(header, x: x, y: 2, style: .bold, maxWidth: width)
        guard !analytics.growth.isEmpty || !analytics.outcomes.isEmpty else {
            let text = analytics.loading ? "Loading analytics…" : analytics.error.map { "Could not load: " + TerminalText.sanitize($0) }
                ?? "No data yet."
            screen.put(text, x: x, y: 4, style: analytics.error != nil ? .error : .dim, maxWidth: width)
            return
        }
        if let error = analytics.error { screen.put(TerminalText.sanitize(error), x: x, y: 3, style: .error, maxWidth: width) }
        let bottom = screen.height - 3
        if analytics.showNumbers {
            drawNumbers(state, x: x, width: width, top: 4, bottom: bottom, into: &screen)
            return
        }
        // Two charts share the height; each gets a summary line and a line of dates.
        let chartHeight = max(2, (bottom - 4 - 6) / 2)
        // Few periods get wider bars (with a gap), many get one column each.
        let count = max(analytics.growth.count, analytics.outcomes.count, 1)
        let step = max(1, min(4, (width - 6) / count))
        let shown = max(1, (width - 6) / step)
        let growth = Array(analytics.growth.suffix(shown))
        let newTotal = growth.reduce(0) { $0 + $1.newPatients }
        var y = 4
        screen.put("New patients: \(newTotal) · total \(growth.last?.totalPatients ?? 0)", x: x, y: y, maxWidth: width)
        y += 1
        drawBars(growth.map { [$0.newPatients] }, styles: [.accent], glyphs: state.asciiOnly ? ["#"] : ["█"], ascii: state.asciiOnly,
                 x: x, y: y, height: chartHeight, step: step, axis: state.asciiOnly ? "-" : "─", into: &screen)
        y += chartHeight
        drawDates(growth.map(\.periodStart), state, x: x, y: y, width: width, step: step, into: &screen)
        y += 2
        let outcomes = Array(analytics.outcomes.suffix(shown))
        let sums = outcomes.reduce(into: [0, 0, 0, 0]) { sum, point in
            sum[0] += point.completed; sum[1] += point.noShow; sum[2] += point.cancelled; sum[3] += point.scheduled
        }
        screen.put("Appointments: \(sums[0]) done, \(sums[1]) no-show, \(sums[2]) cancelled" + (sums[3] > 0 ? ", \(sums[3]) booked" : ""),
                   x: x, y: y, maxWidth: width)
        y += 1
        // Stacked columns, bottom up: completed, no-show, cancelled, still booked. Told apart by
        // character as well as colour, for monochrome terminals.
        let glyphs = state.asciiOnly ? ["#", "!", "-", "+"] : ["█", "▓", "░", "▒"]
        drawBars(outcomes.map { [$0.completed, $0.noShow, $0.cancelled, $0.scheduled] }, styles: [.success, .warning, .dim, .accent],
                 glyphs: glyphs, ascii: true, x: x, y: y, height: chartHeight, step: step, axis: state.asciiOnly ? "-" : "─", into: &screen)
        y += chartHeight
        drawDates(outcomes.map(\.periodStart), state, x: x, y: y, width: width, step: step, into: &screen)
        y += 1
        if y < bottom {
            let legend = zip(glyphs, ["completed", "no-show", "cancelled", "booked"]).map { "\($0) \($1)" }.joined(separator: "  ")
            screen.put(legend + "   # numbers", x: x, y: y, style: .dim, maxWidth: width)
        }
    }

    /// One column per period. A single series uses eighth blocks for resolution; stacked series
    /// (or ASCII) fill whole cells so each segment keeps its own character.
    static func drawBars(_ columns: [[Int]], styles: [StyleRole], glyphs: [String], ascii: Bool, x: Int, y: Int, height: Int,
                         step: Int, axis: String, into screen: inout Screen) {
        let peak = max(1, columns.map { $0.reduce(0, +) }.max() ?? 1)
        let barWidth = step > 1 ? step - 1 : 1
        screen.put("\(peak)", x: x + columns.count * step + 1, y: y, style: .dim)
        for (index, values) in columns.enumerated() {
            let column = index * step
            let total = values.reduce(0, +)
            if !ascii && values.count == 1 {
                let filled = Int((Double(total) / Double(peak) * Double(height * 8)).rounded())
                for row in 0..<height {
                    let eighth = min(8, max(0, filled - row * 8))
                    if eighth > 0 {
                        screen.put(String(repeating: String(eighths[eighth]), count: barWidth), x: x + column, y: y + height - 1 - row, style: styles[0])
                    }
                }
                continue
            }
            // Whole cells: each segment's share of the column, rounded, never hiding a non-zero segment.
            var row = 0
            for (segment, value) in values.enumerated() where value > 0 {
                let cells = max(1, Int((Double(value) / Double(peak) * Double(height)).rounded()))
                for _ in 0..<cells where row < height {
                    screen.put(String(repeating: glyphs[segment], count: barWidth), x: x + column, y: y + height - 1 - row, style: styles[segment])
                    row += 1
                }
            }
        }
        screen.put(String(repeating: axis, count: columns.count * step), x: x, y: y + height, style: .dim)
    }

    static func drawDates(_ dates: [Date], _ state: AppState, x: Int, y: Int, width: Int, step: Int, into screen: inout Screen) {
        guard let first = dates.first, let last = dates.last else { return }
        let interval = state.analytics.interval
        let left = label(first, interval, in: state.timeZone)
        let right = label(last, interval, in: state.timeZone)
        screen.put(left, x: x, y: y + 1, style: .dim)
        let rightX = x + max(TerminalText.width(left) + 1, dates.count * step - TerminalText.width(right))
        if rightX + TerminalText.width(right) <= x + width { screen.put(right, x: rightX, y: y + 1, style: .dim) }
    }

    /// The figures behind the charts, newest first.
    static func drawNumbers(_ state: AppState, x: Int, width: Int, top: Int, bottom: Int, into screen: inout Screen) {
        let analytics = state.analytics
        // Every column must fit: a cut column reads as a wrong number (35 cancelled showed as "3" at
        // 80 columns), so a narrow pane gets short headings and narrow columns (40 cells).
        let wide = width >= 54
        let headings = wide ? ["Period      ", " New", " Total", " Done", " No-show", " Canc.", " Booked"]
            : ["Period    ", " New", " Tot", "Done", " N/S", "Canc", "Book"]
        let widths = headings.map(\.count)
        screen.put(headings.joined(separator: " "), x: x, y: top, style: .dim, maxWidth: width)
        let outcomes = Dictionary(analytics.outcomes.map { ($0.periodStart, $0) }, uniquingKeysWith: { first, _ in first })
        for (row, point) in analytics.growth.reversed().prefix(max(0, bottom - top - 1)).enumerated() {
            let outcome = outcomes[point.periodStart]
            let numbers = [point.newPatients, point.totalPatients, outcome?.completed ?? 0, outcome?.noShow ?? 0, outcome?.cancelled ?? 0,
                           outcome?.scheduled ?? 0]
            let cells = [label(point.periodStart, analytics.interval, in: state.timeZone).padding(toLength: widths[0], withPad: " ", startingAt: 0)]
                + zip(numbers, widths.dropFirst()).map { String(format: "%\($1)d", $0) }
            screen.put(cells.joined(separator: " "), x: x, y: top + 1 + row, maxWidth: width)
        }
    }
}
