#!/usr/bin/env bash
# Copies the Kafka broker jars pinned in tools/kafka/pom.xml into tools/kafka/lib/ (git-ignored).
#
# Idempotent: lib/.stamp holds the sha256 of pom.xml that lib/ was filled from; when it matches,
# nothing is run and nothing is downloaded. Otherwise Maven (batch mode, quiet, no TTY needed)
# resolves the runtime classpath from Maven Central (cached in ~/.m2) into a staging folder,
# which then replaces lib/ whole, so an interrupted run never leaves a half-filled lib/.
# Needs mvn, java and flock; exits non-zero with a message when the jars cannot be had.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
pom="$here/pom.xml"
lib="$here/lib"
stamp="$lib/.stamp"

die() { echo "kafka/fetch.sh: error: $*" >&2; exit 1; }

[ -f "$pom" ] || die "missing $pom"
want="$(sha256sum "$pom" | cut -d' ' -f1)"

up_to_date() {
  [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && compgen -G "$lib/kafka_2.13-*.jar" >/dev/null
}
up_to_date && exit 0   # download nothing

# Concurrent callers (setup.sh, several stack.sh start): one fetches, the others wait and reuse.
exec 8>>"$here/.fetch.lock"
flock -w 600 8 || die "timed out waiting for another fetch.sh ($here/.fetch.lock)"
up_to_date && exit 0

command -v mvn >/dev/null 2>&1 || die "mvn not found (apt-get install maven, or run tools/setup.sh)"
command -v java >/dev/null 2>&1 || die "java not found (apt-get install openjdk-17-jre-headless, or run tools/setup.sh)"

version="$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$pom" | head -n1)"
echo "kafka/fetch.sh: fetching Kafka ${version:-?} jars into tools/kafka/lib"

stage="$(mktemp -d "$here/.lib.tmp.XXXXXX")"
mvnlog="$(mktemp)"
trap 'rm -rf "$stage" "$mvnlog"' EXIT

if ! mvn -q -B -ntp -Dstyle.color=never -f "$pom" \
      -Dkafka.lib.dir="$stage" dependency:copy-dependencies </dev/null >"$mvnlog" 2>&1; then
  sed 's/\x1b\[[0-9;]*m//g' "$mvnlog" | tail -n 40 >&2
  die "mvn dependency:copy-dependencies failed (Kafka ${version:-?}; see output above; is Maven Central reachable?)"
fi

compgen -G "$stage/kafka_2.13-*.jar" >/dev/null || die "mvn ran but no kafka_2.13 jar was copied"
compgen -G "$stage/reload4j-*.jar" >/dev/null \
  || die "mvn ran but no reload4j jar was copied (the broker would log nothing)"

echo "$want" >"$stage/.stamp"
chmod 755 "$stage"
rm -rf "$lib"
mv "$stage" "$lib"
trap 'rm -f "$mvnlog"' EXIT
jars=("$lib"/*.jar)
echo "kafka/fetch.sh: ${#jars[@]} jars in tools/kafka/lib"
