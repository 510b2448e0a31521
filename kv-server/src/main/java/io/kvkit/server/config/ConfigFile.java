package io.kvkit.server.config;

import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a node's YAML file into raw values that remember their line. The file is only
 * <em>composed</em> (parsed into a node tree), never constructed into objects, so no tag in it
 * can instantiate a type; scalars stay text and are typed by {@link NodeConfigLoader}, exactly as
 * flags are.
 */
final class ConfigFile {
    private ConfigFile() {
    }

    /** The top-level settings of {@code file}, in file order; an empty file is no settings. */
    static Map<String, RawValue> read(Path file) {
        String name = file.toString();
        LoaderOptions options = new LoaderOptions();
        options.setAllowDuplicateKeys(false);
        options.setMaxAliasesForCollections(16);   // a config has no use for alias bombs
        options.setCodePointLimit(1 << 20);
        Node root;
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            root = new Yaml(new SafeConstructor(options)).compose(reader);
        } catch (NoSuchFileException e) {
            throw new ConfigException(null, "config file " + name + " does not exist");
        } catch (CharacterCodingException e) {
            throw new ConfigException(null, "config file " + name + " is not UTF-8 text");
        } catch (IOException e) {
            throw new ConfigException(null, "config file " + name + " cannot be read: " + reason(e));
        } catch (MarkedYAMLException e) {
            Mark mark = e.getProblemMark() != null ? e.getProblemMark() : e.getContextMark();
            String where = mark == null ? "" : " line " + (mark.getLine() + 1) + ", column " + (mark.getColumn() + 1);
            String context = e.getContext() == null ? "" : " (" + e.getContext() + ")";
            throw new ConfigException(null, "config file " + name + where + ": YAML syntax error: " + e.getProblem() + context);
        } catch (YAMLException e) {
            throw new ConfigException(null, "config file " + name + ": YAML error: " + e.getMessage());
        }
        if (root == null) {
            return Map.of();
        }
        if (!(root instanceof MappingNode mapping)) {
            throw new ConfigException(null, "config file " + name + " line " + line(root)
                    + ": the file must be a map of settings (key: value), got " + describe(root));
        }
        return mapOf(name, mapping, null);
    }

    private static Map<String, RawValue> mapOf(String file, MappingNode mapping, String parentKey) {
        Map<String, RawValue> out = new LinkedHashMap<>();
        Map<String, Integer> lines = new LinkedHashMap<>();
        for (NodeTuple t : mapping.getValue()) {
            Node keyNode = t.getKeyNode();
            String where = file + " line " + line(keyNode);
            if (!(keyNode instanceof ScalarNode k)) {
                throw new ConfigException(parentKey, where + ": a key must be a plain name, got " + describe(keyNode));
            }
            String key = k.getValue();
            Integer earlier = lines.put(key, line(keyNode));
            if (earlier != null) {
                String full = parentKey == null ? key : parentKey + "." + key;
                throw new ConfigException(parentKey == null ? key : parentKey, where + ": " + full
                        + " is set twice (also on line " + earlier + "); allowed: each key once");
            }
            out.put(key, raw(file, t.getValueNode(), parentKey == null ? key : parentKey + "." + key));
        }
        return out;
    }

    private static RawValue raw(String file, Node node, String key) {
        String origin = file + " line " + line(node);
        return switch (node) {
            case ScalarNode s -> new RawValue(s.getTag().equals(Tag.NULL) ? "" : s.getValue(), origin);
            case SequenceNode seq -> {
                List<RawValue> items = new ArrayList<>();
                for (Node item : seq.getValue()) {
                    items.add(raw(file, item, key));
                }
                yield new RawValue(items, origin);
            }
            case MappingNode m -> new RawValue(mapOf(file, m, key), origin);
            default -> throw new ConfigException(key, origin + ": " + key + " has an unsupported YAML node " + describe(node));
        };
    }

    private static int line(Node node) {
        return node.getStartMark() == null ? 0 : node.getStartMark().getLine() + 1;
    }

    private static String describe(Node node) {
        return switch (node) {
            case ScalarNode s -> "'" + s.getValue() + "'";
            case SequenceNode ignored -> "a list";
            case MappingNode ignored -> "a map";
            default -> node.getNodeId().toString();
        };
    }

    /** The operating system's words for an I/O failure ("Permission denied"), else the exception's. */
    static String reason(IOException e) {
        if (e instanceof java.nio.file.FileSystemException fse && fse.getReason() != null) {
            return fse.getReason();
        }
        if (e instanceof java.nio.file.AccessDeniedException) {
            return "permission denied";
        }
        return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    }
}
