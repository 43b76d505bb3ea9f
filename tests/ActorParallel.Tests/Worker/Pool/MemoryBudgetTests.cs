using ActorParallel.Workers;

namespace ActorParallel.Tests.Worker.Pool;

public sealed class MemoryBudgetTests
{
    [Fact]
    public void Exceeded_UnderTheBudget_NullWithoutCollecting()
    {
        var collections = 0;
        var budget = new MemoryBudget(100, () => 100, () => collections++);

        Assert.Null(budget.Exceeded());
        Assert.Equal(0, collections);
    }

    [Fact]
    public void Exceeded_AboveOnlyUntilSpareMemoryIsGivenBack_Null()
    {
        var resident = 150L;
        var budget = new MemoryBudget(100, () => resident, () => resident = 90);

        Assert.Null(budget.Exceeded());
    }

    [Fact]
    public void Exceeded_StillAboveAfterGivingBack_TheResidentMemory()
    {
        var resident = 150L;
        var budget = new MemoryBudget(100, () => resident, () => resident = 140);

        Assert.Equal(140, budget.Exceeded());
    }

    [Fact]
    public void OfThisProcess_ThisProcessAgainstATinyBudget_MeasuresItsResidentMemory()
    {
        var resident = MemoryBudget.OfThisProcess(1).Exceeded();

        Assert.NotNull(resident);
        Assert.InRange(resident.Value, 10_000_000, 100_000_000_000);
    }
}
