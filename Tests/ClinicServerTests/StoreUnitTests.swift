@testable import ClinicStore
import Foundation
import Testing

@Suite struct StoreUnitTests {
    @Test func test_searchTerms_foldAccentsCaseAndWidth() {
        #expect(SearchTerms.words("José ÁLVAREZ-Núñez") == ["jose", "alvarez", "nunez"])
        #expect(SearchTerms.words("Ｚｏë") == ["zoe"])
        // Devanagari vowel signs stay inside their word.
        #expect(SearchTerms.words("आदित्य शर्मा").count == 2)
        // A stray combining mark after a space starts the next word instead of gluing two words
        // into one term (the query fuzzer's find): "bel" finds her.
        #expect(SearchTerms.words("Ana \u{0301}Bel") == ["ana", "bel"])
        #expect(SearchTerms.prefixes(query: "\n\u{0730}x") == SearchTerms.words("\n\u{0730}x"))
        #expect(SearchTerms.terms(name: "A", phone: "+1 (555) 123").contains("#1555123"))
        #expect(SearchTerms.terms(name: "A", phone: "+1 (555) 123").contains("#123"))
        #expect(!SearchTerms.terms(name: "A", phone: "+1 (555) 123").contains("#23"))
    }

    @Test func test_searchPrefixes_tellPhoneFromName() {
        #expect(SearchTerms.prefixes(query: "555-12") == ["#55512"])
        #expect(SearchTerms.prefixes(query: "Jo Al") == ["jo", "al"])
        #expect(SearchTerms.prefixes(query: "   ") == nil)
        #expect(SearchTerms.prefixes(query: "!!!") == [])
    }

    @Test func test_pageCursor_roundTrips_andRejectsForgeries() {
        let cursor = PageCursor(key: 1_764_000_000_123, id: "0123456789abcdef01234567")
        #expect(PageCursor(encoded: cursor.encoded) == cursor)
        #expect(PageCursor(encoded: "zzz") == nil)
        #expect(PageCursor(encoded: Data("12:../etc".utf8).base64EncodedString()) == nil)
        #expect(PageCursor(encoded: Data("x:abc".utf8).base64EncodedString()) == nil)
        #expect(PageCursor(encoded: String(repeating: "A", count: 500)) == nil)
    }

    @Test func test_positionalPlaceholders_forSQLite() {
        #expect(positionalPlaceholders("SELECT * FROM t WHERE a = $1 AND b = $2 OR a = $1") == "SELECT * FROM t WHERE a = ?1 AND b = ?2 OR a = ?1")
        #expect(positionalPlaceholders("SELECT 1") == "SELECT 1")
        #expect(positionalPlaceholders("VALUES ($12, $3)") == "VALUES (?12, ?3)")
    }

    @Test func test_recordIDs_areOpaque24Hex() {
        let id = RecordID.make()
        #expect(RecordID.isWellFormed(id))
        let many = (0..<2_000).map { _ in RecordID.make() }
        #expect(many.allSatisfy(RecordID.isWellFormed))
        #expect(Set(many).count == many.count)
        // Every hex digit turns up in every position (the digits are not stuck, nor one nibble lost).
        for position in 0..<24 {
            #expect(Set(many.map { Array($0.utf8)[position] }).count == 16, "position \(position)")
        }
        #expect(!RecordID.isWellFormed("' OR 1=1 --"))
        #expect(!RecordID.isWellFormed(id.uppercased()))
    }

    /// Audit ids in time order: a later millisecond sorts later (as text, as the index orders
    /// them), the time is the first 12 digits, and the last 12 stay random.
    @Test func test_orderedRecordIDs_sortByTheirTime_andAreStillOpaque() {
        var random = SeededGenerator("ordered ids")
        let times = (0..<2_000).map { _ in Int64.random(in: 0...(1 << 47), using: &random) }.sorted()
        let ids = times.map { RecordID.make(orderedBy: $0) }
        #expect(ids.allSatisfy(RecordID.isWellFormed))
        for (earlier, later) in zip(zip(times, ids), zip(times, ids).dropFirst()) where earlier.0 < later.0 {
            #expect(earlier.1 < later.1, "\(earlier) then \(later)")
        }
        #expect(RecordID.make(orderedBy: 1_796_319_706_467).hasPrefix("01a23cff7d63"))
        let sameTime = (0..<500).map { _ in RecordID.make(orderedBy: 42) }
        #expect(Set(sameTime).count == sameTime.count)
        for position in 12..<24 {
            #expect(Set(sameTime.map { Array($0.utf8)[position] }).count == 16, "position \(position)")
        }
        // Out of range times are clamped, never a trap.
        #expect(RecordID.isWellFormed(RecordID.make(orderedBy: .min)) && RecordID.isWellFormed(RecordID.make(orderedBy: .max)))
    }
}

@testable import ClinicServer

@Suite struct ExplicitNullsTests {
    @Test func test_fill_insertsMissingNullableKeys_inNestedShapes_only() throws {
        let shape = ExplicitNullsMiddleware.page(ExplicitNullsMiddleware.patient)
        let input = #"{"items":[{"id":"a","name":"Quote \" {not, a key}","created_at":"x"},{"id":"b","name":"B","phone_number":"1","notes":"n","address":"","date_of_birth":"d","sex":"f","extra":{"phone_number":1}}]}"#
        let output = ExplicitNullsMiddleware.fill(Array(input.utf8), shape: shape)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(output)) as? [String: Any])
        #expect(object["next_cursor"] is NSNull)
        let items = try #require(object["items"] as? [[String: Any]])
        #expect(items[0]["name"] as? String == #"Quote " {not, a key}"#)
        for key in ["phone_number", "address", "notes", "date_of_birth", "sex"] { #expect(items[0][key] is NSNull, "\(key)") }
        #expect(items[1]["phone_number"] as? String == "1")
        #expect((items[1]["extra"] as? [String: Any])?.count == 1, "objects outside the shapes are left alone")
        #expect(ExplicitNullsMiddleware.fill(Array("{}".utf8), shape: ExplicitNullsMiddleware.user) == Array(#"{"trial_ends_at":null}"#.utf8))
    }
}

import ClinicAPI

@Suite struct RFC3339Tests {
    @Test func test_format_andParse_agreeWithFoundation() throws {
        let foundation = ISO8601DateFormatter()
        foundation.formatOptions = [.withInternetDateTime]
        var generator = SeededGenerator("RFC3339 against Foundation")
        for _ in 0..<2000 {
            let seconds = Double(Int64.random(in: -2_208_988_800...4_102_444_800, using: &generator))
            let date = Date(timeIntervalSince1970: seconds)
            let text = RFC3339DateTranscoder.format(date)
            #expect(text == foundation.string(from: date), "seed \(generator.seed)")
            #expect(RFC3339DateTranscoder.parse(text) == date, "seed \(generator.seed)")
        }
        #expect(RFC3339DateTranscoder.format(Date(timeIntervalSince1970: 1_795_600_000.25)) == "2026-11-25T09:46:40.250Z")
        #expect(RFC3339DateTranscoder.parse("2024-02-29T12:00:00+05:30") == Date(timeIntervalSince1970: 1_709_188_200))
        #expect(RFC3339DateTranscoder.parse("2026-11-24T10:00:00.123456") != nil)
        for bad in ["2026-13-01T00:00:00Z", "2026-11-24", "2026-11-24T10:00:00Zjunk", "yesterday", "2026-11-24T25:00:00Z", ""] {
            #expect(RFC3339DateTranscoder.parse(bad) == nil, "\(bad)")
        }
    }
}
