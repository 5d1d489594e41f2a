import ClinicAPI
import Foundation

/// The new/edit patient form: typed fields, every mistake named on the first save in words (not
/// the database's field names), and for a new patient a look for one already registered (same
/// name and date of birth, or same phone) before saving.
public struct PatientForm: Equatable, Sendable {
    public enum Field: Int, CaseIterable, Sendable {
        case name, phone, born, sex, address, notes

        var label: String {
            switch self {
            case .name: return "Name"
            case .phone: return "Phone"
            case .born: return "Born"
            case .sex: return "Sex"
            case .address: return "Address"
            case .notes: return "General notes"
            }
        }

        /// What the server's 422 calls it.
        var wireName: String {
            switch self {
            case .name: return "name"
            case .phone: return "phone_number"
            case .born: return "date_of_birth"
            case .sex: return "sex"
            case .address: return "address"
            case .notes: return "notes"
            }
        }

        /// Shown under the field while it has the focus.
        var hint: String? {
            switch self {
            case .born: return "YYYY-MM-DD"
            case .sex: return "f, m, o (other) or u (unknown)"
            default: return nil
            }
        }
    }

    public var patientID: String?
    public var values: [LineField]
    public var focus = Field.name
    /// By the request's field name, as the server's 422 gives them.
    public var fieldErrors: [String: String] = [:]
    public var error: String?
    public var busy = false
    /// Patients who may be this one, found before a new registration is saved; a second Ctrl-S saves anyway.
    public var possibleDuplicates: [Patient] = []
    public var duplicatesChecked = false

    public init(patient: Patient?) {
        patientID = patient?.id
        let draft = patient.map(PatientDraft.init) ?? PatientDraft()
        values = [LineField(draft.name, maxLength: 200), LineField(draft.phoneNumber, maxLength: 32),
                  LineField(draft.dateOfBirth, maxLength: 10), LineField(draft.sex, maxLength: 7),
                  LineField(draft.address, maxLength: 500), LineField(draft.notes, maxLength: 5000)]
    }

    func value(_ field: Field) -> String { values[field.rawValue].text }

    var draft: PatientDraft {
        var draft = PatientDraft()
        draft.name = value(.name)
        draft.phoneNumber = value(.phone)
        draft.dateOfBirth = value(.born)
        draft.sex = Self.sex(value(.sex)) ?? value(.sex)
        draft.address = value(.address)
        draft.notes = value(.notes)
        return draft
    }

    /// "f", "F", "female" → "female"; empty stays empty; anything else is nil.
    static func sex(_ text: String) -> String? {
        let word = text.trimmingCharacters(in: .whitespaces).lowercased()
        if word.isEmpty { return "" }
        return ["female", "male", "other", "unknown"].first { $0 == word || String($0.prefix(1)) == word }
    }

    /// Every mistake at once, in words, by the request's field name.
    func mistakes(today: Date, in timeZone: TimeZone) -> [String: String] {
        var errors: [String: String] = [:]
        if value(.name).trimmingCharacters(in: .whitespaces).isEmpty { errors[Field.name.wireName] = "a name is required" }
        let born = value(.born).trimmingCharacters(in: .whitespaces)
        if !born.isEmpty {
            if let day = CalendarMath.day(born, in: timeZone) {
                if day > today { errors[Field.born.wireName] = "a date of birth cannot be in the future" }
            } else {
                errors[Field.born.wireName] = "a real date as YYYY-MM-DD, e.g. 1984-03-09"
            }
        }
        if Self.sex(value(.sex)) == nil { errors[Field.sex.wireName] = "f, m, o or u (female, male, other, unknown)" }
        let digits = value(.phone).filter(\.isNumber)
        if !value(.phone).trimmingCharacters(in: .whitespaces).isEmpty && digits.count < 5 {
            errors[Field.phone.wireName] = "a phone number has at least 5 digits"
        }
        return errors
    }

    /// Of the patients a search found, those that may be the one being registered.
    func duplicates(among found: [Patient]) -> [Patient] {
        let name = SearchKey.fold(value(.name))
        let born = value(.born).trimmingCharacters(in: .whitespaces)
        let phone = value(.phone).filter(\.isNumber)
        return found.filter { patient in
            let sameName = SearchKey.fold(patient.name) == name && (born.isEmpty || patient.dateOfBirth == nil || patient.dateOfBirth == born)
            let samePhone = phone.count >= 5 && (patient.phoneNumber ?? "").filter(\.isNumber).hasSuffix(String(phone.suffix(9)))
            return sameName || samePhone
        }
    }
}

/// Names compared as a receptionist would: case, accents and spacing aside.
enum SearchKey {
    static func fold(_ text: String) -> String {
        text.folding(options: [.caseInsensitive, .diacriticInsensitive], locale: nil)
            .split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
    }
}

enum PatientFormScreen {
    /// Patients of the name or phone being registered: shown before a second record is made.
    static func duplicatesFound(_ state: inout AppState, _ found: [Patient]) -> [Command] {
        guard var form = state.overlay?.patientForm, form.busy else { return [] }
        form.duplicatesChecked = true
        form.possibleDuplicates = form.duplicates(among: found)
        if form.possibleDuplicates.isEmpty {
            state.overlay?.patientForm = form
            return [.savePatient(id: nil, form.draft)]
        }
        form.busy = false
        form.error = "Already registered? Ctrl-S again adds a new record anyway; Esc to look them up."
        state.overlay?.patientForm = form
        return []
    }
}

extension PatientForm {
    /// Typing, moving between fields and saving; only closing is the app's.
    mutating func update(_ key: Key, in state: AppState) -> DialogOutcome<Never> {
        let fields = Field.allCases
        switch PatientFormScreen.bindings.action(for: key, in: state) {
        case .cancel:
            return .close
        case .nextField:
            focus = fields[(focus.rawValue + 1) % fields.count]
        case .previousField:
            focus = fields[(focus.rawValue + fields.count - 1) % fields.count]
        case .submit:
            return .stay(save(in: state))
        default:
            let before = values[focus.rawValue].text
            _ = values[focus.rawValue].handle(key)
            if values[focus.rawValue].text != before {
                fieldErrors[focus.wireName] = nil
                if focus == .name || focus == .born || focus == .phone {
                    duplicatesChecked = false
                    possibleDuplicates = []
                }
            }
        }
        return .stay
    }

    /// Checked here first (every mistake marked at once); a new patient is looked up among those
    /// already registered before a second record is made.
    mutating func save(in state: AppState) -> [Command] {
        guard !busy else { return [] }
        let mistakes = self.mistakes(today: CalendarMath.startOfDay(state.now, in: state.timeZone), in: state.timeZone)
        fieldErrors = mistakes
        if let first = Field.allCases.first(where: { mistakes[$0.wireName] != nil }) {
            focus = first
            error = mistakes.count == 1 ? nil : "\(mistakes.count) fields need a correction (marked ↳)."
            return []
        }
        error = nil
        busy = true
        if patientID == nil && !duplicatesChecked {
            return [.findPossibleDuplicates(name: value(.name).trimmingCharacters(in: .whitespaces),
                                            phone: value(.phone).filter(\.isNumber))]
        }
        return [.savePatient(id: patientID, draft)]
    }
}

enum PatientFormView {
    static func draw(_ form: PatientForm, into screen: inout Screen) {
        let fields = PatientForm.Field.allCases
        let duplicateRows = min(form.possibleDuplicates.count, 3)
        let box = drawBox(title: form.patientID == nil ? "New patient" : "Edit patient", width: 72,
                          height: fields.count * 2 + 5 + duplicateRows, into: &screen)
        let labelWidth = 14
        let inputX = box.x + labelWidth + 1
        let inputWidth = box.width - labelWidth - 1
        for field in fields {
            let y = box.y + field.rawValue * 2
            let focused = field == form.focus
            screen.put(field.label, x: box.x, y: y, style: focused ? .bold : .normal, maxWidth: labelWidth)
            screen.fill(x: inputX, y: y, width: inputWidth, height: 1, style: focused ? .inputFocused : .input)
            let visible = form.values[field.rawValue].visible(columns: inputWidth)
            screen.put(visible.text, x: inputX, y: y, style: focused ? .inputFocused : .input, maxWidth: inputWidth)
            if focused { screen.cursor = (inputX + visible.cursorColumn, y) }
            if let error = form.fieldErrors[field.wireName] {
                screen.put("↳ " + TerminalText.sanitize(error), x: inputX, y: y + 1, style: .error, maxWidth: inputWidth)
            } else if focused, let hint = field.hint {
                screen.put(hint, x: inputX, y: y + 1, style: .dim, maxWidth: inputWidth)
            }
        }
        var y = box.y + fields.count * 2
        if let error = form.error {
            for line in TerminalText.wrap(TerminalText.sanitize(error), to: box.width).prefix(2) {
                screen.put(line, x: box.x, y: y, style: .error, maxWidth: box.width)
                y += 1
            }
        } else if form.busy {
            screen.put(form.duplicatesChecked ? "saving…" : "looking for this patient…", x: box.x, y: y, style: .dim)
        }
        for patient in form.possibleDuplicates.prefix(duplicateRows) {
            screen.put("· " + PatientIdentity.row(patient, width: box.width - 2), x: box.x, y: y, style: .warning, maxWidth: box.width)
            y += 1
        }
    }
}
