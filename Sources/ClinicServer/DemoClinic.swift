import ClinicStore
import Foundation

/// A realistic clinic for demos, staging and benchmarks: patients whose names belong to one
/// culture each (a city practice's mix), registered over two years at a growing pace; for each
/// doctor months of past appointments with their outcomes and notes written at clinic hours, a
/// busy today (some patients already waiting) and the coming weeks half booked.
public enum DemoClinic {
    /// Names that go together: given and family names of one culture, in the order it writes them.
    struct Culture {
        let given: [String]
        let family: [String]
        var familyFirst = false
        var separator = " "
    }

    static let cultures: [Culture] = [
        Culture(given: ["María", "José", "Lucía", "Mateo", "Carmen", "Javier", "Inés"], family: ["García", "Fernández", "Rodríguez", "López", "Navarro"]),
        Culture(given: ["Grace", "Oliver", "Amelia", "Harry", "Charlotte", "George"], family: ["Hopper", "Smith", "Taylor", "Lovelace", "Wright"]),
        Culture(given: ["Søren", "Ingrid", "Freja", "Mads", "Astrid"], family: ["Østergaard", "Johansson", "Lindqvist", "Nørgaard"]),
        Culture(given: ["Chloé", "Émile", "Anaïs", "Théo", "Léa"], family: ["Dubois", "Lefèvre", "Moreau", "Girard"]),
        Culture(given: ["Łukasz", "Zofia", "Kacper", "Agnieszka"], family: ["Nowak", "Kowalski", "Wiśniewska", "Zieliński"]),
        Culture(given: ["Olusegun", "Ngozi", "Chinedu", "Adaeze", "Tunde"], family: ["Okafor", "Adeyemi", "Eze", "Balogun"]),
        Culture(given: ["Kofi", "Ama", "Kwame", "Akosua"], family: ["Mensah", "Owusu", "Boateng"]),
        Culture(given: ["Thabo", "Lerato", "Sipho", "Nomvula"], family: ["Mokoena", "Dlamini", "Nkosi"]),
        Culture(given: ["Ahmet", "Elif", "Mehmet", "Zeynep"], family: ["Yılmaz", "Demir", "Kaya", "Şahin"]),
        Culture(given: ["Fatima", "Omar", "Layla", "Yusuf"], family: ["Al-Sayed", "Haddad", "Khalil", "Nasser"]),
        Culture(given: ["Priya", "Arjun", "Ananya", "Rahul", "Aditya"], family: ["Sharma", "Patel", "Iyer", "Reddy"]),
        Culture(given: ["प्रिया", "राहुल", "अनन्या", "आदित्य"], family: ["शर्मा", "वर्मा", "गुप्ता"]),
        Culture(given: ["美咲", "翔太", "陽菜", "蓮"], family: ["田中", "鈴木", "佐藤", "高橋"], familyFirst: true),
        Culture(given: ["伟", "娜", "敏", "静", "磊"], family: ["王", "李", "张", "陈"], familyFirst: true, separator: ""),
        Culture(given: ["민준", "서연", "지우", "하은"], family: ["김", "이", "박", "최"], familyFirst: true, separator: ""),
        Culture(given: ["Văn An", "Thị Hoa", "Minh Khoa", "Thu Trang"], family: ["Nguyễn", "Trần", "Lê", "Phạm"], familyFirst: true),
        Culture(given: ["Siobhán", "Cian", "Aoife", "Niamh"], family: ["Ó Briain", "Murphy", "Ní Dhomhnaill", "Kelly"]),
        Culture(given: ["Dmitri", "Anastasia", "Mikhail", "Olga"], family: ["Ivanov", "Petrova", "Smirnov", "Volkova"]),
    ]

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

    /// Deterministic fake patients (same `seed`, same clinic), registered over two years, faster lately.
    public static func patients(count: Int, seed: UInt64 = 42, now: Int64 = Clock.nowMillis()) -> [(fields: PatientFields, createdAt: Int64)] {
        var random = SplitMix(seed: seed)
        let span = Double(2 * 365 * 86_400_000)
        return (0..<count).map { index in
            let culture = cultures[random.next(cultures.count)]
            let given = culture.given[random.next(culture.given.count)], family = culture.family[random.next(culture.family.count)]
            let name = culture.familyFirst ? family + culture.separator + given : given + " " + family
            let phone = "+44 7\(random.next(900) + 100) \(random.next(900_000) + 100_000)"
            let birth = String(format: "%04d-%02d-%02d", 1940 + random.next(80), random.next(12) + 1, random.next(28) + 1)
            let sex = ["female", "male", "female", "male", "other", "unknown"][random.next(6)]
            // The i-th of n registered at a growing pace: the practice doubles its yearly intake.
            let position = Double(index + 1) / Double(max(count, 1))
            let createdAt = now - Int64(span * (1 - position.squareRoot())) - Int64(random.next(3_600_000))
            return (PatientFields(name: name, phoneNumber: .some(phone), address: .some("\(random.next(200) + 1) High Street"),
                                  notes: .some(random.next(4) == 0 ? "Prefers morning appointments." : nil),
                                  dateOfBirth: .some(birth), sex: .some(sex)), createdAt)
        }
    }

    /// Fills a clinic: patients, and for each provider (owners and doctors) a calendar and notes.
    /// `weeks` of past appointments; days run 09:00–17:00 in `timeZone`.
    public static func seed(store: ClinicStore, clinicId: String, providers: [String], patients count: Int, notesPerPatient: Int = 3,
                            appointments: Bool = true, weeks: Int = 26, seed: UInt64 = 42, now: Int64 = Clock.nowMillis(),
                            timeZone: TimeZone = .current) async throws {
        var random = SplitMix(seed: seed &+ 1)
        var created: [PatientRecord] = []
        let batches = DemoClinic.patients(count: count, seed: seed, now: now)
        for start in stride(from: 0, to: batches.count, by: 1000) {
            created += try await store.importPatients(clinicId: clinicId, Array(batches[start..<min(start + 1000, batches.count)]))
        }
        guard !created.isEmpty, let firstProvider = providers.first else { return }
        var notes: [(patientId: String, authorId: String, content: String, createdAt: Int64)] = []
        if appointments {
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = timeZone
            let today = calendar.startOfDay(for: Clock.date(now))
            var booked: [(fields: AppointmentFields, arrivedAt: Int64?)] = []
            for (providerIndex, provider) in providers.enumerated() {
                for dayOffset in (-7 * weeks)...21 {
                    guard let day = calendar.date(byAdding: .day, value: dayOffset, to: today),
                          !calendar.isDateInWeekend(day),
                          let opening = calendar.date(bySettingHour: 9, minute: 0, second: 0, of: day)
                    else { continue }
                    // Busy today and this week, lighter further out; each doctor their own rhythm.
                    let fill = dayOffset == 0 ? 9 : (dayOffset > 0 ? max(3, 8 - dayOffset / 3) : 6 + (providerIndex + dayOffset) % 3)
                    for slot in 0..<16 where random.next(10) < fill {
                        let start = Clock.millis(opening) + Int64(slot) * 1_800_000
                        let end = start + (random.next(3) == 0 ? 1_200_000 : 1_800_000)
                        let patient = created[random.next(created.count)]
                        var status = "scheduled"
                        var arrivedAt: Int64?
                        if end <= now {
                            status = ["completed", "completed", "completed", "completed", "completed", "completed", "completed", "completed",
                                      "no_show", "cancelled"][random.next(10)]
                        } else if start <= now + 1_800_000, dayOffset == 0, random.next(3) > 0 {
                            // Around now: the waiting room.
                            status = "arrived"
                            arrivedAt = min(now, start) - Int64(random.next(20) * 60_000)
                        }
                        booked.append((AppointmentFields(patientId: patient.id, providerId: provider, startsAt: start, endsAt: end,
                                                         reason: .some(reasons[random.next(reasons.count)]), status: status), arrivedAt))
                        if status == "completed", notes.count < max(0, notesPerPatient) * min(created.count, 500) {
                            let template = noteTemplates[random.next(noteTemplates.count)]
                            let content = template.contains("%d") ? String(format: template, random.next(9) + 2) : template
                            notes.append((patient.id, provider, content, end + Int64(random.next(10)) * 60_000))
                        }
                    }
                }
            }
            try await store.importAppointments(clinicId: clinicId, booked, now: now)
        } else if notesPerPatient > 0 {
            for patient in created.prefix(500) {
                for _ in 0..<(random.next(notesPerPatient) + 1) {
                    let template = noteTemplates[random.next(noteTemplates.count)]
                    let content = template.contains("%d") ? String(format: template, random.next(9) + 2) : template
                    // Written at clinic hours, some day in the last six months.
                    let day = now - now % 86_400_000 - Int64(random.next(180) + 1) * 86_400_000
                    notes.append((patient.id, firstProvider, content, day + 9 * 3_600_000 + Int64(random.next(8 * 60)) * 60_000))
                }
            }
        }
        try await store.importNotes(clinicId: clinicId, notes)
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
