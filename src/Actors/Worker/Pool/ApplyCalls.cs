using System.Reflection;
using System.Runtime.ExceptionServices;

namespace ActorParallel.Workers;

/// <summary>
/// The function of a pool's stream of <c>ApplyAsync</c> calls (see <c>ApplyStream</c>): each item is one
/// call's function (a <c>Func&lt;TOut&gt;</c> of any <c>TOut</c>), each result that function's result. So
/// calls of every result type, submitted one by one, travel and run in batches like the chunks of one map.
/// </summary>
internal static class ApplyCalls
{
    public static object? Run(Delegate function)
    {
        try
        {
            return function.DynamicInvoke();
        }
        catch (TargetInvocationException exception) when (exception.InnerException is not null)
        {
            // The function's own exception, as the caller would see it had it run directly.
            ExceptionDispatchInfo.Capture(exception.InnerException).Throw();
            throw;
        }
    }
}
