#!/usr/bin/env bash
# Regenerates Snippets.swift from README.md and Docs/*.md. The generator is a test of the same
# target, so it first writes an empty placeholder (an edited page may not compile yet).
set -euo pipefail
cd "$(dirname "$0")/../.."
printf '// Placeholder: see DocSnippetTests.swift\nenum DocSnippets { static let pages: [(page: String, run: @Sendable () throws -> Void)] = [] }\n' \
    > Tests/DocSnippetTests/Snippets.swift
BACKPROP_UPDATE_SNIPPETS=1 swift test --filter 'DocSnippetTests.generatedFileIsCurrent' > /dev/null
swift build --build-tests
