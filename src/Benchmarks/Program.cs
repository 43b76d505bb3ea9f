Console.WriteLine("benchmarks: see the benchmarks issue");
