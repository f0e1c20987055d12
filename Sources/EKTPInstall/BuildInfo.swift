/// The one version of every program, set at build time: `scripts/make-deb.sh` writes the
/// git description here for the build it packages. A checkout says `0.0.0-dev`.
public enum BuildInfo {
    public static let version = "0.0.0-dev"
}
