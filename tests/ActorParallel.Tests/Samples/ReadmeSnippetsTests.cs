using System.Diagnostics;
using System.Text.RegularExpressions;
using System.Text;
using ActorParallel.Tests.Support;

namespace ActorParallel.Tests.Samples;

/// <summary>
/// Every ```csharp block of README.md is a program as written: one temporary project (referencing the
/// library) compiles each block as its own entry (warnings are errors), then runs each and expects exit
/// 0. A block can be compiled only, by a <c>&lt;!-- readme-snippet: compile-only: why --&gt;</c> line
/// right above it. New blocks are picked up without touching this test.
/// </summary>
public sealed partial class ReadmeSnippetsTests
{
    private const string CompileOnlyMarker = "<!-- readme-snippet: compile-only:";
    private static readonly TimeSpan BuildBound = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan RunBound = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task Readme_EveryCSharpSnippet_CompilesAndRunsToExitZero()
    {
        var root = RepositoryRoot();
        var readme = Path.Combine(root, "README.md");
        var snippets = Snippet.AllIn(readme);
        Assert.Contains(snippets, s => s.CompileOnlyBecause is null);

        var project = Directory.CreateTempSubdirectory("actorparallel-readme-").FullName;
        try
        {
            var executable = await Build(project, root, readme, snippets);
            var failures = new List<string>();
            foreach (var snippet in snippets.Where(s => s.CompileOnlyBecause is null))
            {
                using var program = ChildProgram.At(executable, snippet.Index.ToString(System.Globalization.CultureInfo.InvariantCulture));
                int exitCode;
                try
                {
                    exitCode = await program.WaitForExit(RunBound);
                }
                catch (TimeoutException)
                {
                    exitCode = int.MinValue;
                }
                if (exitCode != 0)
                {
                    failures.Add($"README.md line {snippet.Line}: {(exitCode == int.MinValue ? $"still running after {RunBound.TotalSeconds} s" : $"exit code {exitCode}")}. Output:\n{string.Join('\n', program.Lines)}");
                }
            }
            Assert.True(failures.Count == 0, string.Join("\n\n", failures));
        }
        finally
        {
            Directory.Delete(project, recursive: true);
        }
    }

    [Fact]
    public void Snippet_AllIn_FindsEveryBlockWithItsLineAndMarker()
    {
        var readme = Path.Combine(Directory.CreateTempSubdirectory("actorparallel-readme-").FullName, "README.md");
        File.WriteAllLines(readme,
        [
            "text", "```csharp", "using ActorParallel;", "", "Console.WriteLine(1);", "```",
            "```sh", "not csharp", "```",
            $"{CompileOnlyMarker} needs a cluster -->", "```csharp", "Console.WriteLine(2);", "record R(int X);", "```",
        ]);
        try
        {
            var snippets = Snippet.AllIn(readme);

            Assert.Equal(2, snippets.Count);
            Assert.Equal(3, snippets[0].Line);
            Assert.Null(snippets[0].CompileOnlyBecause);
            Assert.Equal("needs a cluster", snippets[1].CompileOnlyBecause);
            var source = snippets[1].ToSource(readme);
            Assert.Contains("record R(int X);", source[source.IndexOf("internal static class", StringComparison.Ordinal)..]);
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(readme)!, recursive: true);
        }
    }

    private static async Task<string> Build(string project, string root, string readme, IReadOnlyList<Snippet> snippets)
    {
        // Central package versions come from the repository; nothing above the temp folder applies.
        File.WriteAllText(Path.Combine(project, "Directory.Build.props"), "<Project />");
        File.WriteAllText(Path.Combine(project, "Directory.Packages.props"), $"""
            <Project>
              <Import Project="{Path.Combine(root, "Directory.Packages.props")}" />
            </Project>
            """);
        File.WriteAllText(Path.Combine(project, "ReadmeSnippets.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <ImplicitUsings>enable</ImplicitUsings>
                <Nullable>enable</Nullable>
                <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
                <!-- A snippet without await still becomes an async method. -->
                <NoWarn>$(NoWarn);CS1998</NoWarn>
                <InvariantGlobalization>true</InvariantGlobalization>
                <ManagePackageVersionsCentrally>true</ManagePackageVersionsCentrally>
              </PropertyGroup>
              <ItemGroup>
                <ProjectReference Include="{Path.Combine(root, "src", "Actors", "ActorParallel.csproj")}" />
                <ProjectReference Include="{Path.Combine(root, "src", "Hosting", "ActorParallel.Hosting.csproj")}" />
                <PackageReference Include="Microsoft.Extensions.Hosting" />
                <PackageReference Include="OpenTelemetry" />
                <PackageReference Include="OpenTelemetry.Exporter.Console" />
              </ItemGroup>
            </Project>
            """);
        var entry = new StringBuilder();
        entry.AppendLine("ActorParallel.Worker.EnterIfWorker();");
        entry.AppendLine("switch (args.Length > 0 ? args[0] : string.Empty)");
        entry.AppendLine("{");
        foreach (var snippet in snippets)
        {
            File.WriteAllText(Path.Combine(project, $"Snippet{snippet.Index}.cs"), snippet.ToSource(readme));
            entry.AppendLine($"    case \"{snippet.Index}\": await ReadmeSnippets.Snippet{snippet.Index}.Snippet.Run(args[1..]); return 0;");
        }
        entry.AppendLine("    default: Console.Error.WriteLine(\"which snippet?\"); return 2;");
        entry.AppendLine("}");
        File.WriteAllText(Path.Combine(project, "Program.cs"), entry.ToString());

#if DEBUG
        const string configuration = "Debug";
#else
        const string configuration = "Release";
#endif
        var build = new ProcessStartInfo("dotnet", ["build", Path.Combine(project, "ReadmeSnippets.csproj"), "-c", configuration, "-nologo", "-clp:NoSummary;ErrorsOnly"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        build.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        using var process = Process.Start(build)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        try
        {
            await process.WaitForExitAsync().WaitAsync(BuildBound);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
        Assert.True(process.ExitCode == 0, $"the README's snippets did not compile (errors name README.md lines):\n{await output}\n{await errors}");
        return Path.Combine(project, "bin", configuration, "net10.0", "ReadmeSnippets");
    }

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "ActorParallel.sln")))
            {
                return directory.FullName;
            }
        }
        throw new InvalidOperationException($"No ActorParallel.sln above {AppContext.BaseDirectory}.");
    }

    /// <summary>One ```csharp block: its number, the README line of its first code line, its lines, and why it only compiles (if it does).</summary>
    private sealed partial record Snippet(int Index, int Line, IReadOnlyList<string> Code, string? CompileOnlyBecause)
    {
        public static IReadOnlyList<Snippet> AllIn(string readme)
        {
            var lines = File.ReadAllLines(readme);
            var snippets = new List<Snippet>();
            for (var i = 0; i < lines.Length; i++)
            {
                if (!CSharpFence().IsMatch(lines[i]))
                {
                    continue;
                }
                var start = i + 1;
                var end = start;
                while (end < lines.Length && lines[end].TrimEnd() != "```")
                {
                    end++;
                }
                var marker = i > 0 && lines[i - 1].StartsWith(CompileOnlyMarker, StringComparison.Ordinal)
                    ? lines[i - 1][CompileOnlyMarker.Length..].Replace("-->", string.Empty, StringComparison.Ordinal).Trim()
                    : null;
                snippets.Add(new Snippet(snippets.Count, start + 1, lines[start..end], marker));
                i = end;
            }
            return snippets;
        }

        /// <summary>
        /// The block as one file: its using directives on top, its statements (and local functions) as the
        /// body of <c>Run</c>, and type declarations (which top-level statements put last) beside it.
        /// <c>#line</c> directives make the compiler's errors name README lines.
        /// </summary>
        public string ToSource(string readme)
        {
            var source = new StringBuilder();
            var firstType = Code.Count;
            for (var i = 0; i < Code.Count; i++)
            {
                if (TypeDeclaration().IsMatch(Code[i]))
                {
                    firstType = i;
                    break;
                }
            }
            var usings = Enumerable.Range(0, firstType).Where(i => UsingDirective().IsMatch(Code[i])).ToHashSet();
            foreach (var i in usings)
            {
                source.AppendLine($"#line {Line + i} \"{readme}\"").AppendLine(Code[i]);
            }
            source.AppendLine("#line default");
            source.AppendLine($"namespace ReadmeSnippets.Snippet{Index};");
            source.AppendLine("internal static class Snippet");
            source.AppendLine("{");
            source.AppendLine("    public static async Task Run(string[] args)");
            source.AppendLine("    {");
            for (var i = 0; i < firstType; i++)
            {
                source.AppendLine($"#line {Line + i} \"{readme}\"").AppendLine(usings.Contains(i) ? string.Empty : Code[i]);
            }
            source.AppendLine("#line default");
            source.AppendLine("    }");
            source.AppendLine("}");
            for (var i = firstType; i < Code.Count; i++)
            {
                source.AppendLine($"#line {Line + i} \"{readme}\"").AppendLine(Code[i]);
            }
            return source.ToString();
        }

        [GeneratedRegex(@"^```(csharp|cs|c#)\b", RegexOptions.IgnoreCase)]
        private static partial Regex CSharpFence();

        [GeneratedRegex(@"^using\s+(static\s+)?[\w.]+(\s*=\s*[\w.<>, ]+)?\s*;")]
        private static partial Regex UsingDirective();

        [GeneratedRegex(@"^(?:(?:public|internal|sealed|static|abstract|readonly|partial|file)\s+)*(?:record|class|struct|interface|enum)\s")]
        private static partial Regex TypeDeclaration();
    }
}
