package io.kvkit.bench.store;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** The version of a library on the class path, read from the pom.properties Maven puts in its jar. */
final class ArtifactVersion {
    private ArtifactVersion() {
    }

    static String of(String groupId, String artifactId) {
        String resource = "/META-INF/maven/" + groupId + "/" + artifactId + "/pom.properties";
        try (InputStream in = ArtifactVersion.class.getResourceAsStream(resource)) {
            if (in != null) {
                Properties p = new Properties();
                p.load(in);
                return artifactId + " " + p.getProperty("version", "unknown");
            }
        } catch (IOException e) {
            // fall through: the version is informative only
        }
        return artifactId + " (version unknown)";
    }
}
