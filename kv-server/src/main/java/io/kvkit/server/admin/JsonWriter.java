package io.kvkit.server.admin;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Objects;

/**
 * A small streaming JSON writer (RFC 8259), enough for {@code /status}: objects, arrays,
 * strings, whole numbers, booleans and null. It places the commas and checks the nesting (a
 * misuse such as a value where a name is due, or {@link #text()} before everything is closed, is
 * an {@link IllegalStateException}). Strings are escaped so that any Java string, unpaired
 * surrogates and control characters included, comes out as valid JSON whose parse is the same
 * string.
 */
public final class JsonWriter {
    private enum Scope { OBJECT_NAME, OBJECT_VALUE, ARRAY }

    private final StringBuilder out = new StringBuilder();
    private final Deque<Scope> scopes = new ArrayDeque<>();
    /** Whether the current container already holds an element (a comma goes before the next). */
    private boolean hasElement;
    private boolean done;

    public JsonWriter beginObject() {
        beforeValue();
        out.append('{');
        scopes.push(Scope.OBJECT_NAME);
        hasElement = false;
        return this;
    }

    public JsonWriter endObject() {
        if (scopes.peek() != Scope.OBJECT_NAME) {
            throw new IllegalStateException("endObject() where " + expected());
        }
        scopes.pop();
        out.append('}');
        afterValue();
        return this;
    }

    public JsonWriter beginArray() {
        beforeValue();
        out.append('[');
        scopes.push(Scope.ARRAY);
        hasElement = false;
        return this;
    }

    public JsonWriter endArray() {
        if (scopes.peek() != Scope.ARRAY) {
            throw new IllegalStateException("endArray() where " + expected());
        }
        scopes.pop();
        out.append(']');
        afterValue();
        return this;
    }

    /** The name of the next member of the current object. */
    public JsonWriter name(String name) {
        Objects.requireNonNull(name, "name");
        if (scopes.peek() != Scope.OBJECT_NAME) {
            throw new IllegalStateException("name(\"" + name + "\") where " + expected());
        }
        if (hasElement) {
            out.append(',');
        }
        string(name);
        out.append(':');
        scopes.pop();
        scopes.push(Scope.OBJECT_VALUE);
        return this;
    }

    /** A string, or null. */
    public JsonWriter value(String value) {
        if (value == null) {
            return nullValue();
        }
        beforeValue();
        string(value);
        afterValue();
        return this;
    }

    public JsonWriter value(long value) {
        beforeValue();
        out.append(value);
        afterValue();
        return this;
    }

    public JsonWriter value(boolean value) {
        beforeValue();
        out.append(value);
        afterValue();
        return this;
    }

    public JsonWriter nullValue() {
        beforeValue();
        out.append("null");
        afterValue();
        return this;
    }

    /** The document; all objects and arrays must be closed. */
    public String text() {
        if (!done) {
            throw new IllegalStateException("the JSON document is not complete: " + expected());
        }
        return out.toString();
    }

    private void beforeValue() {
        Scope s = scopes.peek();
        if (s == null) {
            if (done) {
                throw new IllegalStateException("a JSON document has one top-level value, and it is written");
            }
            return;
        }
        switch (s) {
            case OBJECT_NAME -> throw new IllegalStateException("a value where " + expected());
            case ARRAY -> {
                if (hasElement) {
                    out.append(',');
                }
            }
            case OBJECT_VALUE -> {
            }
        }
    }

    private void afterValue() {
        Scope s = scopes.peek();
        if (s == null) {
            done = true;
            return;
        }
        if (s == Scope.OBJECT_VALUE) {
            scopes.pop();
            scopes.push(Scope.OBJECT_NAME);
        }
        hasElement = true;
    }

    private String expected() {
        Scope s = scopes.peek();
        if (s == null) {
            return done ? "the document is complete" : "a top-level value is due";
        }
        return switch (s) {
            case OBJECT_NAME -> "a member name or endObject() is due";
            case OBJECT_VALUE -> "a member value is due";
            case ARRAY -> "an array element or endArray() is due";
        };
    }

    private void string(String s) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                default -> {
                    if (c < 0x20 || c == '\u2028' || c == '\u2029') {
                        unicodeEscape(c); // controls must be escaped; the two separators break JavaScript readers
                    } else if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                        out.append(c).append(s.charAt(++i));
                    } else if (Character.isSurrogate(c)) {
                        unicodeEscape(c); // unpaired: UTF-8 cannot carry it, an escape can
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }

    private void unicodeEscape(char c) {
        out.append("\\u");
        String hex = Integer.toHexString(c);
        out.append("0".repeat(4 - hex.length())).append(hex);
    }
}
