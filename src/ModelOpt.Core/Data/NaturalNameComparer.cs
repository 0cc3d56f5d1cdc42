namespace ModelOpt.Core.Data;

/// <summary>Orders file names ordinally, except that runs of digits compare as numbers (<c>input_2</c> before <c>input_10</c>).</summary>
internal sealed class NaturalNameComparer : IComparer<string>
{
    public static readonly NaturalNameComparer Instance = new();

    public int Compare(string? x, string? y)
    {
        string a = Path.GetFileName(x ?? ""), b = Path.GetFileName(y ?? "");
        int i = 0, j = 0;
        while (i < a.Length && j < b.Length)
        {
            if (char.IsAsciiDigit(a[i]) && char.IsAsciiDigit(b[j]))
            {
                int si = i, sj = j;
                while (i < a.Length && char.IsAsciiDigit(a[i])) i++;
                while (j < b.Length && char.IsAsciiDigit(b[j])) j++;
                var da = a.AsSpan(si, i - si).TrimStart('0');
                var db = b.AsSpan(sj, j - sj).TrimStart('0');
                int byLength = da.Length.CompareTo(db.Length);
                if (byLength != 0) return byLength;
                int byDigits = da.SequenceCompareTo(db);
                if (byDigits != 0) return byDigits;
                continue;
            }
            int c = a[i].CompareTo(b[j]);
            if (c != 0) return c;
            i++;
            j++;
        }
        int rest = (a.Length - i).CompareTo(b.Length - j);
        return rest != 0 ? rest : string.CompareOrdinal(a, b);
    }
}
