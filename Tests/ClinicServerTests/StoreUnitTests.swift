@testable import ClinicStore
import Foundation
import Testing

@Suite struct StoreUnitTests {
    @Test func test_searchTerms_foldAccentsCaseAndWidth() {
        #expect(SearchTerms.words("José ÁLVAREZ-Núñez") == ["jose", "alvarez", "nunez"])
        #expect(SearchTerms.words("Ｚｏë") == ["zoe"])
        // Devanagari vowel signs stay inside their word.
        #expect(SearchTerms.words("आदित्य शर्मा").count == 2)
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
        #expect(!RecordID.isWellFormed("' OR 1=1 --"))
        #expect(!RecordID.isWellFormed(id.uppercased()))
    }
}
