using System.Collections;

namespace ModelOpt.Onnx.Ir;

/// <summary>What a <see cref="ValueList"/> of a graph holds, for the per-value counts it keeps.</summary>
internal enum ValueListRole
{
    /// <summary>Graph inputs: counted in <see cref="Value.GraphInputLists"/>.</summary>
    Inputs,

    /// <summary>Graph outputs: counted in <see cref="Value.GraphOutputLists"/>.</summary>
    Outputs,

    /// <summary>Initializers, sparse initializers, value_info: not counted on the value.</summary>
    Other,
}

/// <summary>
/// An ordered list of a graph's values (its inputs, outputs, initializers or value_info) whose
/// <see cref="Contains"/> and <see cref="Remove"/> cost O(1): a count per value answers
/// membership, and removals are applied lazily, all at once, before the list is next read.
/// A pass that drops thousands of replaced weights one by one therefore costs O(n), not O(n²),
/// and "is this value an output of any graph?" is a field of the value
/// (<see cref="Value.IsGraphOutput"/>), not a walk over every graph.
/// </summary>
public sealed class ValueList : IList<Value>, IReadOnlyList<Value>
{
    private readonly List<Value> _items = [];
    private readonly Dictionary<Value, int> _counts = new(ReferenceEqualityComparer.Instance);
    private readonly ValueListRole _role;
    // Values removed but still in _items: how many of their first occurrences to drop.
    private Dictionary<Value, int>? _pendingRemovals;
    private int _pendingCount;

    internal ValueList(ValueListRole role)
    {
        _role = role;
    }

    /// <inheritdoc/>
    public int Count => _items.Count - _pendingCount;

    /// <inheritdoc/>
    public bool IsReadOnly => false;

    /// <inheritdoc cref="IList{T}.this"/>
    public Value this[int index]
    {
        get => Settled()[index];
        set
        {
            var items = Settled();
            Untrack(items[index]);
            items[index] = value;
            Track(value);
        }
    }

    /// <inheritdoc/>
    public void Add(Value item)
    {
        Settled().Add(item);
        Track(item);
    }

    /// <summary>Appends every value of <paramref name="values"/>.</summary>
    public void AddRange(IEnumerable<Value> values)
    {
        foreach (var value in values) Add(value);
    }

    /// <inheritdoc/>
    public void Insert(int index, Value item)
    {
        Settled().Insert(index, item);
        Track(item);
    }

    /// <inheritdoc/>
    public bool Contains(Value item) => _counts.ContainsKey(item);

    /// <inheritdoc/>
    public int IndexOf(Value item) => Contains(item) ? Settled().IndexOf(item) : -1;

    /// <summary>Removes the first occurrence of <paramref name="item"/>; O(1), applied before the next read.</summary>
    public bool Remove(Value item)
    {
        if (!Contains(item)) return false;
        Untrack(item);
        _pendingRemovals ??= new Dictionary<Value, int>(ReferenceEqualityComparer.Instance);
        _pendingRemovals[item] = _pendingRemovals.GetValueOrDefault(item) + 1;
        _pendingCount++;
        return true;
    }

    /// <inheritdoc/>
    public void RemoveAt(int index)
    {
        var items = Settled();
        Untrack(items[index]);
        items.RemoveAt(index);
    }

    /// <summary>Removes every value that <paramref name="match"/> selects; returns how many.</summary>
    public int RemoveAll(Predicate<Value> match)
    {
        var items = Settled();
        int removed = items.RemoveAll(value =>
        {
            if (!match(value)) return false;
            Untrack(value);
            return true;
        });
        return removed;
    }

    /// <inheritdoc/>
    public void Clear()
    {
        foreach (var value in Settled()) Untrack(value);
        _items.Clear();
    }

    /// <inheritdoc/>
    public void CopyTo(Value[] array, int arrayIndex) => Settled().CopyTo(array, arrayIndex);

    /// <inheritdoc/>
    public IEnumerator<Value> GetEnumerator() => Settled().GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    // Drops the values Remove marked, first occurrences first, as List.Remove would have one by one.
    private List<Value> Settled()
    {
        if (_pendingRemovals is not { } pending) return _items;
        _pendingRemovals = null;
        _pendingCount = 0;
        _items.RemoveAll(value =>
        {
            if (!pending.TryGetValue(value, out int left)) return false;
            if (left == 1) pending.Remove(value);
            else pending[value] = left - 1;
            return true;
        });
        return _items;
    }

    private void Track(Value value)
    {
        ArgumentNullException.ThrowIfNull(value);
        _counts[value] = _counts.GetValueOrDefault(value) + 1;
        switch (_role)
        {
            case ValueListRole.Inputs: value.GraphInputLists++; break;
            case ValueListRole.Outputs: value.GraphOutputLists++; break;
        }
    }

    private void Untrack(Value value)
    {
        int left = _counts[value] - 1;
        if (left == 0) _counts.Remove(value);
        else _counts[value] = left;
        switch (_role)
        {
            case ValueListRole.Inputs: value.GraphInputLists--; break;
            case ValueListRole.Outputs: value.GraphOutputLists--; break;
        }
    }
}
