#!/usr/bin/env bash
# Builds the relocatable distribution of supervise (run by Maven in the package phase of supervision-cli):
#   target/supervise-VERSION/{bin/supervise, lib/*.jar, lib/classpath, runtime/ (a jlink'd JRE), lib/supervise.aot}
#   target/supervise-VERSION-linux-x64.tar.gz
# Arguments: JAVA_HOME of the building JDK, the project's target directory, the version.
# The start-up cache: JDK 25+ an AOT cache (JEP 483/514/515: classes loaded and linked, method profiles),
# JDK 21-24 a CDS archive of the application's classes; trained by running the CLI itself on this runtime.
set -euo pipefail
jdk=$1 target=$2 version=$3
name=supervise-$version
dist=$target/$name
rm -rf "$dist" "$target/$name"-*.tar.gz
mkdir -p "$dist/bin" "$dist/lib"
cp "$(dirname "$0")/bin/supervise" "$dist/bin/"
cp "$(dirname "$0")/../../../LICENSE" "$dist/"
# The jars, in the class path's order (the start-up cache checks that the class path is the one it was trained with).
: > "$dist/lib/classpath"
for jar in "$target/supervision-cli-$version.jar" $(tr ':' ' ' < "$target/supervise.classpath"); do
  cp "$jar" "$dist/lib/"
  basename "$jar" >> "$dist/lib/classpath"
done
# A Java runtime with only the JDK modules supervise uses (jdeps --print-module-deps over lib/, checked by DistributionIT).
"$jdk/bin/jlink" --add-modules java.base,java.desktop,java.management,java.naming,java.net.http,java.security.jgss,java.sql,jdk.httpserver,jdk.unsupported \
  --strip-debug --no-header-files --no-man-pages --output "$dist/runtime"
feature=$("$dist/runtime/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = \([0-9][0-9]*\).*/\1/p')
opts=$(sed -n 's/^SUPERVISE_DEFAULT_JAVA_OPTS="\(.*\)"$/\1/p' "$dist/bin/supervise")
train() { # runs supervise once on the bundled runtime with $1, a JVM flag that writes the cache at exit: a tree whose
           # child exits at once, restarted 50 times (the cold path: a start, then restarts), then given up (exit 75)
  local work
  work=$(mktemp -d)
  cat > "$work/tree.yaml" <<TREE
name: training
intensity: 50
period: 1h
children:
  - id: child
    command: [sh, -c, "echo trained; exit 1"]
    startSeconds: 0s
    backoff: none
TREE
  local code=0
  SUPERVISE_JAVA_OPTS="$opts $1" SUPERVISE_JAVA="$dist/runtime/bin/java" SUPERVISE_STATE_DIR="$work/state" \
    "$dist/bin/supervise" --config "$work/tree.yaml" > "$work/out" 2>&1 || code=$?
  if [ "$code" != 75 ]; then cat "$work/out" >&2; echo "build-dist: the training run exited $code, not 75" >&2; exit 1; fi
  rm -rf "$work"
}
if [ "$feature" -ge 25 ]; then
  train "-XX:AOTCacheOutput=$dist/lib/supervise.aot"
else
  train "-XX:ArchiveClassesAtExit=$dist/lib/supervise.jsa"
fi
tar -C "$target" -czf "$target/$name-linux-x64.tar.gz" "$name"
