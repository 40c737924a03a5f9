#!/usr/bin/env bash
# Lint the committed GraphQL schema with graphql-schema-linter (pinned in .ci/graphql-lint/package.json, run
# through npx): every type, field, argument and enum value described, naming conventions, and Relay's connection
# rules. Fails on any error. Installs its own pinned linter through npm.
set -euo pipefail
cd "$(dirname "$0")/graphql-lint"
npm install --no-audit --no-fund --silent >/dev/null
# The sorting rules stay off: the schema lists fields in the order that reads best, not alphabetically.
RULES=(
  types-have-descriptions fields-have-descriptions arguments-have-descriptions enum-values-have-descriptions
  input-object-values-have-descriptions descriptions-are-capitalized deprecations-have-a-reason
  defined-types-are-used types-are-capitalized fields-are-camel-cased input-object-values-are-camel-cased
  enum-values-all-caps relay-connection-types-spec relay-connection-arguments-spec relay-page-info-spec
)
rules=$(IFS=,; echo "${RULES[*]}")
npx --no-install graphql-schema-linter --rules "$rules" --format text ../../openapi/schema.graphql
echo "graphql-schema-linter: openapi/schema.graphql passes ${#RULES[@]} rules (descriptions, naming, Relay)"
