# Sourced by ./mvnw (and by the project's launchers): makes JAVA_HOME point at a JDK 21+.
# Order: $JAVA_HOME if it is 21+; the `java` on PATH if it is 21+; the newest 21+ JDK under
# /usr/lib/jvm, /usr/java, /opt/java, ~/.sdkman/candidates/java, ~/.jdks, /Library/Java/JavaVirtualMachines.
# None found: exit 1 at once, saying what to install or set. POSIX sh.

supervision_java_major() { # $1 = path to a java binary; prints its feature version or nothing
  "$1" -XshowSettings:properties -version 2>&1 |
    sed -n 's/^ *java\.specification\.version = \([0-9][0-9]*\).*/\1/p' | head -n 1
}

supervision_find_jdk() {
  if [ -n "${JAVA_HOME-}" ] && [ -x "$JAVA_HOME/bin/java" ] && [ -x "$JAVA_HOME/bin/javac" ]; then
    v=$(supervision_java_major "$JAVA_HOME/bin/java")
    [ "${v:-0}" -ge 21 ] && return 0
  fi
  if command -v javac >/dev/null 2>&1; then
    jh=$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")
    v=$(supervision_java_major "$jh/bin/java")
    if [ "${v:-0}" -ge 21 ]; then JAVA_HOME=$jh; export JAVA_HOME; return 0; fi
  fi
  best= bestv=0
  set +f   # mvnw runs with globbing off
  for d in /usr/lib/jvm/* /usr/java/* /opt/java/* "${HOME:-/nonexistent}"/.sdkman/candidates/java/* \
           "${HOME:-/nonexistent}"/.jdks/* /Library/Java/JavaVirtualMachines/*/Contents/Home; do
    [ -x "$d/bin/java" ] && [ -x "$d/bin/javac" ] || continue
    v=$(supervision_java_major "$d/bin/java")
    if [ "${v:-0}" -ge 21 ] && [ "$v" -gt "$bestv" ]; then best=$d bestv=$v; fi
  done
  set -f
  if [ -n "$best" ]; then JAVA_HOME=$best; export JAVA_HOME; return 0; fi
  echo "supervision: no JDK 21 or newer found (JAVA_HOME=${JAVA_HOME-unset}, java on PATH: $(command -v java || echo none))." >&2
  echo "supervision: install one (Debian: apt-get install openjdk-21-jdk-headless) or set JAVA_HOME to a JDK 21+." >&2
  exit 1
}

supervision_find_jdk
# Maven 3.9's bundled Guice uses sun.misc.Unsafe; JDK 24+ warns about it unless told to allow it.
if [ "$(supervision_java_major "$JAVA_HOME/bin/java")" -ge 24 ]; then
  case "${MAVEN_OPTS-}" in *sun-misc-unsafe-memory-access*) ;; *)
    MAVEN_OPTS="${MAVEN_OPTS-} --sun-misc-unsafe-memory-access=allow"; export MAVEN_OPTS ;;
  esac
fi
