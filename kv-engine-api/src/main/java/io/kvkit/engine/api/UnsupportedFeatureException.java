package io.kvkit.engine.api;

import java.util.List;

/**
 * The engine cannot do this by design (e.g. an ordered range scan on the hash engine). The
 * message names the engines that can.
 */
public class UnsupportedFeatureException extends KvException {
    private static final long serialVersionUID = 1L;

    public UnsupportedFeatureException(String message) {
        super(message);
    }

    /** The error for an ordered scan on an engine without {@link EngineCapabilities#orderedScan()}. */
    public static UnsupportedFeatureException orderedScan(String engine) {
        List<String> able = StorageEngines.namesWith(EngineCapabilities::orderedScan);
        return new UnsupportedFeatureException("engine '" + engine + "' does not keep keys in order, so it cannot"
                + " scan a key range; engines that can: " + (able.isEmpty() ? "(none installed)" : String.join(", ", able))
                + ". For an unordered pass over every key use iterate().");
    }

    /** The error for a reverse scan on an engine without {@link EngineCapabilities#reverseScan()}. */
    public static UnsupportedFeatureException reverseScan(String engine) {
        List<String> able = StorageEngines.namesWith(EngineCapabilities::reverseScan);
        return new UnsupportedFeatureException("engine '" + engine + "' cannot scan in reverse order; engines that can: "
                + (able.isEmpty() ? "(none installed)" : String.join(", ", able)));
    }
}
