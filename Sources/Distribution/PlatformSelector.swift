import ImageSpec

/// Chooses the manifest of an index for a platform the way containerd does: the OS and
/// normalized architecture must match; an exact variant beats a missing one; a 32-bit
/// ARM platform also runs older variants (v7 runs v6 and v5), nearest first; ties go to
/// the index's order.
enum PlatformSelector {
    /// The best of `manifests` for `wanted`, or nil when none runs there.
    static func best(_ manifests: [Descriptor], for wanted: Platform) -> Descriptor? {
        var best: (rank: Int, descriptor: Descriptor)?
        for descriptor in manifests {
            guard let platform = descriptor.platform,
                let rank = rank(platform, wanted: wanted)
            else { continue }
            if best == nil || rank < best!.rank {
                best = (rank, descriptor)
            }
        }
        return best?.descriptor
    }

    /// How well `offered` suits `wanted`: 0 is exact, larger is worse, nil is unusable.
    static func rank(_ offered: Platform, wanted: Platform) -> Int? {
        let want = wanted.normalized
        let have = offered.normalized
        guard want.os == have.os, want.architecture == have.architecture else {
            return nil
        }
        switch (want.variant, have.variant) {
        case let (wanted?, offered?) where wanted == offered:
            return 0
        case (_, nil):
            return 1
        case (nil, _?):
            return 2
        case let (wanted?, offered?):
            // Only 32-bit ARM variants are ordered: v7 hardware runs v6 and v5 code.
            guard want.architecture == "arm", let wantedLevel = armLevel(wanted),
                let offeredLevel = armLevel(offered), offeredLevel < wantedLevel
            else { return nil }
            return 2 + wantedLevel - offeredLevel
        }
    }

    private static func armLevel(_ variant: String) -> Int? {
        guard variant.hasPrefix("v") else { return nil }
        return Int(variant.dropFirst())
    }
}
