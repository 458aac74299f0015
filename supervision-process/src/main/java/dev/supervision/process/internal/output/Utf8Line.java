package dev.supervision.process.internal.output;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * A reusable {@link CharSequence} view of one line in the read buffer. Pure-ASCII lines (nearly all log
 * lines) are read in place; others are decoded once, on first use.
 */
public final class Utf8Line implements CharSequence {
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    private byte[] buf;
    private int off;
    private int len;
    private boolean checked;
    private String decoded;

    /** Whether the batch's lines are known to be pure ASCII (then never checked or decoded). */
    private boolean batchAscii;

    /** Points at a line; {@code ascii} true when the caller knows it is pure ASCII (false: check on use). */
    public void set(byte[] buffer, int offset, int length, boolean ascii) {
        batch(buffer, ascii);
        line(offset, length);
    }

    /** Sets the buffer of the lines to come and whether they are all known to be ASCII. */
    public void batch(byte[] buffer, boolean ascii) {
        this.buf = buffer;
        this.batchAscii = ascii;
        this.checked = ascii;
        this.decoded = null;
    }

    /** Points at the next line of the current batch. */
    public void line(int offset, int length) {
        this.off = offset;
        this.len = length;
        if (!batchAscii) {
            checked = false;
            decoded = null;
        }
    }

    /** The buffer holding the line's UTF-8 bytes, for byte-level scanning; valid only while the line is. */
    public byte[] bytes() {
        return buf;
    }

    /** Where the line starts in {@link #bytes()}. */
    public int offset() {
        return off;
    }

    /** The line's length in bytes. */
    public int byteLength() {
        return len;
    }

    private String decodedIfNotAscii() {
        if (!checked) {
            checked = true;
            if (!isAscii()) decoded = new String(buf, off, len, StandardCharsets.UTF_8);
        }
        return decoded;
    }

    /** Eight bytes at a time: any byte with its high bit set is not ASCII. */
    private boolean isAscii() {
        int i = off;
        int end = off + len;
        long high = 0;
        for (; i + 8 <= end; i += 8) high |= (long) LONGS.get(buf, i);
        for (; i < end; i++) high |= buf[i];
        return (high & 0x8080808080808080L) == 0;
    }

    @Override
    public int length() {
        String s = decodedIfNotAscii();
        return s == null ? len : s.length();
    }

    @Override
    public char charAt(int index) {
        String s = decodedIfNotAscii();
        if (s != null) return s.charAt(index);
        if (index < 0 || index >= len) throw new IndexOutOfBoundsException("index " + index + ", length " + len);
        return (char) buf[off + index];
    }

    @Override
    public CharSequence subSequence(int start, int end) {
        return toString().subSequence(start, end);
    }

    @Override
    public String toString() {
        String s = decodedIfNotAscii();
        return s != null ? s : new String(buf, off, len, StandardCharsets.ISO_8859_1);
    }
}
