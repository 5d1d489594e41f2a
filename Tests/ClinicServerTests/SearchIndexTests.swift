import ClinicQuery
import ClinicStore
import Foundation
import Testing

/// The search's index paths (a word of three characters or more read newest first by its first
/// three characters; a shorter word by a range of terms; several words intersected) held against
/// the definition: every patient with, for each word, a term that starts with it (bytes of the
/// folded text), newest first, each once, whatever the page size.
@Suite struct SearchIndexTests {
    /// Pieces of names: prefixes of each other ("ga", "gar", "garc…"), accents, combining marks,
    /// other scripts, so words of one, two, three and more characters share their starts.
    static let pieces = ["gar", "ga", "c", "ía", "ana", "an", "ma", "mar", "rí", "é", "ñu", "zo", "ë", "श", "र्मा", "王", "小", "j", "o", "sé", "x"]

    @Test(arguments: StoreKind.available)
    func test_searchPages_equalTheDefinition_forRandomNamesAndWords(kind: StoreKind) async throws {
        try await withServer(kind) { server in
            let doctor = try await server.registerDoctor()
            var random = SeededGenerator("search index")
            func word() -> String {
                (0..<Int.random(in: 1...3, using: &random)).map { _ in Self.pieces.randomElement(using: &random)! }.joined()
            }
            var patients: [PatientRecord] = []
            let start = Clock.nowMillis() - 1_000_000
            for index in 0..<180 {
                var words = (0..<Int.random(in: 1...3, using: &random)).map { _ in word() }
                // A patient whose two words both match one query word ("Gar Garcia") is listed once.
                if index % 7 == 0, let first = words.first { words.append(first + "ía") }
                let name = words.map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined(separator: " ")
                let phone = index % 5 == 0 ? "+34 9\(index % 10)2 345 \(100 + index)" : nil
                // Three patients share each creation time: pages are cut between equal times too.
                patients.append(try await server.store.createPatient(clinicId: doctor.id, fields: PatientFields(name: name, phoneNumber: phone),
                                                                     now: start + Int64(index / 3) * 1000))
            }
            func expected(_ query: String) -> [String] {
                guard let prefixes = SearchTerms.prefixes(query: query) else { return [] }
                return patients.filter { patient in
                    let terms = SearchTerms.terms(name: patient.name, phone: patient.phoneNumber)
                    return !prefixes.isEmpty && prefixes.allSatisfy { prefix in terms.contains { Array($0.utf8).starts(with: prefix.utf8) } }
                }
                .sorted { ($0.createdAt, $0.id) > ($1.createdAt, $1.id) }
                .map(\.id)
            }
            var queries = ["g", "ga", "gar", "garc", "garcía", "an", "ana", "ANA MAR", "mar ga", "sé", "王", "王小", "श", "e", "345", "92 345"]
            // Most from the names themselves (the starts of a patient's words, one or two of them),
            // some made up, so that matches and misses are both compared.
            for index in 0..<40 {
                let words: [String]
                if index % 4 == 3 {
                    words = (0..<Int.random(in: 1...2, using: &random)).map { _ in String(word().prefix(Int.random(in: 1...5, using: &random))) }
                } else {
                    let name = patients.randomElement(using: &random)!.name.split(separator: " ").shuffled(using: &random)
                    words = name.prefix(Int.random(in: 1...2, using: &random)).map { String($0.prefix(Int.random(in: 1...5, using: &random))) }
                }
                queries.append(words.joined(separator: " "))
            }
            var nonEmpty = 0
            for query in queries {
                let want = expected(query)
                if !want.isEmpty { nonEmpty += 1 }
                for limit in [1, 7, 50] {
                    var got: [String] = []
                    var cursor: PageCursor?
                    repeat {
                        let page = try await server.store.patients(clinicId: doctor.id, query: query, limit: limit, after: cursor)
                        #expect(page.items.count <= limit)
                        got += page.items.map(\.id)
                        cursor = page.next
                    } while cursor != nil && got.count <= patients.count
                    #expect(got == want, "\(kind) q=\(query) limit \(limit): \(got.count) found, \(want.count) expected")
                }
            }
            #expect(nonEmpty >= queries.count / 2, "most queries match someone, or the comparison says little")
        }
    }
}
