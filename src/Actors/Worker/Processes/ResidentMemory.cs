using Microsoft.Win32.SafeHandles;

namespace ActorParallel.Workers;

/// <summary>
/// This process's resident set size (RSS): on Linux the second field of <c>/proc/self/statm</c>
/// (resident pages) times the page size, read through one handle kept open (~2 µs a read, where
/// <see cref="Environment.WorkingSet"/> goes through <c>System.Diagnostics.Process</c>); elsewhere
/// <see cref="Environment.WorkingSet"/>.
/// </summary>
internal static class ResidentMemory
{
    private static readonly Lazy<SafeFileHandle?> s_statm = new(OpenStatm);

    /// <summary>The resident memory of this process now, in bytes.</summary>
    public static long Read()
    {
        if (s_statm.Value is not { } statm)
        {
            return Environment.WorkingSet;
        }
        Span<byte> text = stackalloc byte[128];
        var length = RandomAccess.Read(statm, text, fileOffset: 0);
        // "size resident shared text lib data dt", in pages.
        var fields = text[..length];
        var start = fields.IndexOf((byte)' ') + 1;
        var end = fields[start..].IndexOf((byte)' ');
        return long.TryParse(fields.Slice(start, end < 0 ? fields.Length - start : end), out var pages)
            ? pages * Environment.SystemPageSize
            : Environment.WorkingSet;
    }

    private static SafeFileHandle? OpenStatm()
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }
        try
        {
            return File.OpenHandle("/proc/self/statm", FileMode.Open, FileAccess.Read);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
