using ActorParallel.Tests.Support;

namespace ActorParallel.Tests.Shared;

/// <summary>
/// A manager's object names are unique across its kinds: a second object of a name it has is refused,
/// naming both (before, the second replaced the first's queue, or read its items as the wrong type),
/// and the names it makes never take one already in use.
/// </summary>
public sealed class ManagerNameTests : RuntimeFixture
{
    [Fact]
    public async Task SecondObjectOfATakenName_IsRefusedNamingIt_AndTheFirstKeepsItsItems()
    {
        await using var manager = await Manager.StartAsync(Runtime);
        var jobs = manager.Queue<int>(name: "jobs");
        jobs.Put(1);
        jobs.Put(2);
        var made = manager.List<string>();

        var sameKind = Assert.Throws<ArgumentException>(() => manager.Queue<int>(name: "jobs"));
        var otherType = Assert.Throws<ArgumentException>(() => manager.Queue<string>(name: "jobs"));
        var otherKind = Assert.Throws<ArgumentException>(() => manager.Semaphore(5, name: "jobs"));
        var madeName = Assert.Throws<ArgumentException>(() => manager.Dict<string, int>(name: made.Name));

        Assert.Contains($"Manager '{manager.Name}' already has an object named 'jobs'", sameKind.Message);
        Assert.Equal(sameKind.Message, otherType.Message);
        Assert.Equal(sameKind.Message, otherKind.Message);
        Assert.Contains($"named '{made.Name}'", madeName.Message);
        Assert.Equal("name", sameKind.ParamName);
        Assert.Equal(2, await jobs.CountAsync().WaitAsync(Bound));
        Assert.Equal(1, await jobs.GetAsync(Bound).WaitAsync(Bound));
    }

    [Theory]
    [InlineData("")]
    [InlineData(" ")]
    [InlineData("\t\n")]
    public async Task EmptyOrWhitespaceName_IsRefusedForEveryKind_NamingTheParameter(string name)
    {
        await using var manager = await Manager.StartAsync(Runtime);
        var makers = new Dictionary<string, Action>
        {
            ["Queue"] = () => manager.Queue<int>(name: name),
            ["JoinableQueue"] = () => manager.JoinableQueue<int>(name: name),
            ["SimpleQueue"] = () => manager.SimpleQueue<int>(name: name),
            ["List"] = () => manager.List<int>(name),
            ["Value"] = () => manager.Value<int>(name: name),
            ["Dict"] = () => manager.Dict<string, int>(name),
            ["Array"] = () => manager.Array<int>(3, name),
            ["Namespace"] = () => manager.Namespace(name),
            ["Lock"] = () => manager.Lock(name),
            ["RLock"] = () => manager.RLock(name),
            ["Condition"] = () => manager.Condition(name),
            ["Event"] = () => manager.Event(name),
            ["Semaphore"] = () => manager.Semaphore(name: name),
            ["BoundedSemaphore"] = () => manager.BoundedSemaphore(name: name),
            ["Barrier"] = () => manager.Barrier(2, name: name),
            ["Pipe"] = () => manager.Pipe(name: name),
        };

        var refused = makers.ToDictionary(maker => maker.Key, maker => Assert.Throws<ArgumentException>(maker.Value));

        Assert.All(refused.Values, error => Assert.Equal("name", error.ParamName));
        Assert.All(refused.Values, error => Assert.Contains("must not be empty or whitespace", error.Message));
        // Nothing was made: a named object still works, and the manager still makes names.
        var queue = manager.Queue<int>(name: "after");
        queue.Put(1);
        Assert.Equal(1, await queue.GetAsync(Bound).WaitAsync(Bound));
        Assert.NotEmpty(manager.List<int>().Name);
    }

    [Fact]
    public async Task MadeNames_SkipNamesTheUserTook()
    {
        await using var manager = await Manager.StartAsync(Runtime);
        var first = manager.Queue<int>();
        var prefix = first.Name[..(first.Name.LastIndexOf('-') + 1)];
        var number = int.Parse(first.Name[(first.Name.LastIndexOf('-') + 1)..]);
        // The next names the manager would make, taken by the user first.
        var taken = Enumerable.Range(number + 1, 20).Select(n => manager.Queue<string>(name: $"{prefix}{n}")).ToList();

        var made = Enumerable.Range(0, 20).Select(_ => manager.Queue<int>()).ToList();

        Assert.Empty(made.Select(q => q.Name).Intersect(taken.Select(q => q.Name)));
        taken[0].Put("important");
        Assert.Equal("important", await taken[0].GetAsync(Bound).WaitAsync(Bound));
    }
}
