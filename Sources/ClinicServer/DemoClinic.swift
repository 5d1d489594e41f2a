import ClinicStore
import Foundation

/// A realistic clinic for demos and benchmarks: names from several scripts, phone numbers,
/// notes spread over months, and a week of appointments around today.
public enum DemoClinic {
    static let givenNames = ["María", "José", "Zoë", "Søren", "Chloé", "Łukasz", "Ana", "Émile", "Grace", "Olusegun", "Ngozi",
                             "Mohammed", "Fatima", "Ahmet", "Yuki", "Hiroshi", "Min-jun", "Ji-woo", "Priya", "Arjun", "Ravi",
                             "Ingrid", "Björn", "Siobhán", "Dmitri", "Anaïs", "Mateo", "Lucía", "Thabo", "Amara", "Kofi",
                             "आदित्य", "अनन्या", "राहुल", "प्रिया", "王", "李", "张", "陈", "김", "이", "Nguyễn", "Trần"]
    static let familyNames = ["García", "Fernández", "Müller", "Østergaard", "Dubois", "Nowak", "Silva", "Okafor", "Adeyemi",
                              "Yılmaz", "Tanaka", "Suzuki", "Kim", "Park", "Sharma", "Patel", "Iyer", "Johansson", "Ó Briain",
                              "Ivanov", "Lefèvre", "Rodríguez", "López", "Mokoena", "Mensah", "Hopper", "Lovelace",
                              "शर्मा", "वर्मा", "小明", "伟", "芳", "民", "민준", "서연", "Văn An", "Thị Hoa"]
    static let noteTemplates = [
        "Presents with a dry cough for %d days. Chest clear on auscultation. Advised fluids and rest; review if fever.",
        "BP %d/82, pulse 76. Continue amlodipine 5 mg. Recheck in 4 weeks.",
        "Follow-up: HbA1c improved. Metformin unchanged. Discussed diet; refer to dietitian.",
        "Lower back pain after lifting, %d days. No red flags. Ibuprofen 400 mg tds with food, stretching handout.",
        "Annual review. Vaccinations up to date. Labs ordered: CBC, lipid panel, TSH.",
        "Rash on forearm, %d mm, not raised. Likely contact dermatitis. Hydrocortisone 1%% cream bd for a week.",
        "Headache, tension type. Sleep hygiene discussed. Paracetamol as needed; diary for %d weeks.",
        "Post-op check: wound clean and dry, sutures out. Cleared for normal activity.",
    ]
    static let reasons = ["Follow-up", "New patient", "Blood pressure check", "Vaccination", "Lab results", "Annual review",
                          "Prescription renewal", "Wound check"]

    /// Deterministic fake patients (same `seed`, same clinic).
    public static func patients(count: Int, seed: UInt64 = 42, now: Int64 = Clock.nowMillis()) -> [(fields: PatientFields, createdAt: Int64)] {
        var random = SplitMix(seed: seed)
        return (0..<count).map { index in
            let name = "\(givenNames[random.next(givenNames.count)]) \(familyNames[random.next(familyNames.count)])"
            let phone = "+\(random.next(90) + 1) \(random.next(900) + 100) \(random.next(900) + 100) \(random.next(9000) + 1000)"
            let year = 1940 + random.next(80)
            let birth = String(format: "%04d-%02d-%02d", year, random.next(12) + 1, random.next(28) + 1)
            let sex = ["female", "male", "female", "male", "other", "unknown"][random.next(6)]
            // Registered over the last two years, oldest first.
            let createdAt = now - Int64(count - index) * (2 * 365 * 86_400_000 / Int64(max(count, 1))) - Int64(random.next(3_600_000))
            return (PatientFields(name: name, phoneNumber: .some(phone), address: .some("\(random.next(200) + 1) High Street"),
                                  notes: .some(random.next(4) == 0 ? "Prefers morning appointments." : nil),
                                  dateOfBirth: .some(birth), sex: .some(sex)), createdAt)
        }
    }

    /// Fills a doctor's account: patients, notes over months, and a week of appointments.
    public static func seed(store: ClinicStore, userId: String, patients count: Int, notesPerPatient: Int = 3,
                            appointments: Bool = true, seed: UInt64 = 42) async throws {
        let now = Clock.nowMillis()
        var random = SplitMix(seed: seed &+ 1)
        var created: [PatientRecord] = []
        let batches = DemoClinic.patients(count: count, seed: seed, now: now)
        for start in stride(from: 0, to: batches.count, by: 1000) {
            created += try await store.importPatients(userId: userId, Array(batches[start..<min(start + 1000, batches.count)]))
        }
        if notesPerPatient > 0 {
            for patient in created.prefix(500) {
                for visit in 0..<(random.next(notesPerPatient) + 1) {
                    let template = noteTemplates[random.next(noteTemplates.count)]
                    let content = template.contains("%d") ? String(format: template, random.next(9) + 2 + visit) : template
                    let daysAgo = Int64(random.next(180) + 1)
                    try await store.importNote(userId: userId, patientId: patient.id, content: content,
                                               createdAt: now - daysAgo * 86_400_000 - Int64(random.next(28_800_000)))
                }
            }
        }
        if appointments, !created.isEmpty {
            // A working week around today: 09:00–17:00 UTC, 30-minute slots, about half booked.
            let today = now - now % 86_400_000
            for day in -2...4 {
                for slot in 0..<16 where random.next(2) == 0 {
                    let start = today + Int64(day) * 86_400_000 + 9 * 3_600_000 + Int64(slot) * 1_800_000
                    let status = day < 0 ? ["completed", "completed", "no_show", "cancelled"][random.next(4)] : "scheduled"
                    _ = try await store.saveAppointment(
                        userId: userId, id: nil,
                        fields: AppointmentFields(patientId: created[random.next(created.count)].id, startsAt: start,
                                                  endsAt: start + 1_800_000, reason: .some(reasons[random.next(reasons.count)]),
                                                  status: status),
                        now: now)
                }
            }
        }
    }
}

/// A small deterministic generator, so demo data is the same on every machine.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }

    mutating func next(_ bound: Int) -> Int {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        return Int(z % UInt64(max(bound, 1)))
    }
}
