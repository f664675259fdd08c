// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IKhoErrors} from "./IKhoErrors.sol";

/**
 * @title ICommunityRegistry
 * @author Kho
 * @notice Communities (a slug such as `vi-VN/home-cooking`, a locale and a metadata URI), their stewards and the
 * members the stewards attest. Ids start at 1 and are never reused. Every view or action on an unknown id reverts
 * with {CommunityNotFound}.
 *
 * Anyone may create a community, but its attestations count as membership for rewards only while it is recognized:
 * its stewards post a bond of at least `minBond` tokens and GOVERNOR_ROLE recognizes it. The governor may revoke the
 * recognition and slash the bond (slashing also revokes). The bond can be withdrawn only while the community is not
 * recognized, so a recognized community is always bonded with at least `minBond`.
 */
interface ICommunityRegistry is IKhoErrors {
    /// @notice A community as stored, plus its id and counters.
    struct Community {
        uint256 id;
        string slug;
        string locale;
        string metadataURI;
        address creator;
        uint64 createdAt;
        uint256 stewardCount;
        uint256 memberCount;
    }

    /// @notice Another community already uses `slug`, ignoring ASCII case (held by `communityId`).
    error SlugTaken(string slug, uint256 communityId);

    /// @notice `account` already is a steward of `communityId`.
    error AlreadySteward(uint256 communityId, address account);

    /// @notice `account` is not a steward of `communityId`, so it cannot be removed.
    error NotSteward(uint256 communityId, address account);

    /// @notice Removing the only steward would leave `communityId` unmanageable.
    error LastSteward(uint256 communityId);

    /// @notice A member batch holds `size` addresses; it must hold 1..`max`.
    error InvalidBatchSize(uint256 size, uint256 max);

    /// @notice `communityId` holds a bond of `bond`, below the `minBond` recognition requires.
    error BondBelowMinimum(uint256 communityId, uint256 bond, uint256 minBond);

    /// @notice `communityId` holds a bond of `bond`, less than the `amount` asked for.
    error InsufficientBond(uint256 communityId, uint256 bond, uint256 amount);

    /// @notice `communityId` is recognized, so its bond cannot be withdrawn.
    error CommunityIsRecognized(uint256 communityId);

    /// @notice `communityId` is not recognized.
    error CommunityNotRecognized(uint256 communityId);

    /// @notice A community was created; its creator is its first steward.
    event CommunityCreated(
        uint256 indexed communityId,
        address indexed creator,
        string slug,
        string locale,
        string metadataURI
    );

    /// @notice The metadata URI of `communityId` changed.
    event CommunityMetadataUpdated(uint256 indexed communityId, string metadataURI, address indexed steward);

    /// @notice `steward` may now manage `communityId`; `by` is the steward (or admin) who added it.
    event StewardAdded(uint256 indexed communityId, address indexed steward, address indexed by);

    /// @notice `steward` no longer manages `communityId`; `by` is the steward who removed it.
    event StewardRemoved(uint256 indexed communityId, address indexed steward, address indexed by);

    /// @notice `steward` attested that `member` belongs to `communityId`.
    event MemberAdded(uint256 indexed communityId, address indexed member, address indexed steward);

    /// @notice `steward` withdrew the membership attestation of `member` in `communityId`.
    event MemberRemoved(uint256 indexed communityId, address indexed member, address indexed steward);

    /// @notice `steward` added `amount` (what arrived) to the bond of `communityId`, which is now `bond`.
    event CommunityBondPosted(uint256 indexed communityId, address indexed steward, uint256 amount, uint256 bond);

    /// @notice `steward` withdrew `amount` from the bond of `communityId`, which is now `bond`.
    event CommunityBondWithdrawn(uint256 indexed communityId, address indexed steward, uint256 amount, uint256 bond);

    /// @notice Governor `by` recognized `communityId`: its attestations count as membership.
    event CommunityRecognized(uint256 indexed communityId, address indexed by);

    /// @notice Governor `by` revoked the recognition of `communityId`.
    event CommunityRecognitionRevoked(uint256 indexed communityId, address indexed by);

    /// @notice `amount` of the bond of `communityId` was slashed and sent to `recipient`.
    event CommunityBondSlashed(uint256 indexed communityId, uint256 amount, address indexed recipient);

    /**
     * @notice Creates a community; the caller becomes its creator and first steward.
     * @param slug Slug unique regardless of ASCII case (see {KhoStrings} for the rule), e.g. `vi-VN/home-cooking`.
     * @param locale BCP-47 locale tag, 2..35 bytes.
     * @param metadataURI Community card URI, 1..512 bytes.
     * @return communityId The new id (counter from 1).
     */
    function createCommunity(
        string calldata slug,
        string calldata locale,
        string calldata metadataURI
    ) external returns (uint256 communityId);

    /**
     * @notice Makes `account` a steward of `communityId`. Callable by a steward, or by the admin to recover a
     * community whose stewards lost their keys (the admin can thereby make itself a steward of any community).
     * @param communityId The community.
     * @param account The new steward.
     */
    function addSteward(uint256 communityId, address account) external;

    /**
     * @notice Removes steward `account` (a steward may remove itself). The last steward cannot be removed.
     * @param communityId The community.
     * @param account The steward to remove.
     */
    function removeSteward(uint256 communityId, address account) external;

    /**
     * @notice Replaces the metadata URI of `communityId`. Steward only.
     * @param communityId The community.
     * @param metadataURI New URI, 1..512 bytes.
     */
    function setMetadataURI(uint256 communityId, string calldata metadataURI) external;

    /**
     * @notice Attests `members` as members of `communityId`. Steward only. Idempotent: addresses that already are
     * members are skipped without an event, so a retried batch is harmless.
     * @param communityId The community.
     * @param members 1..200 non-zero addresses.
     */
    function addMembers(uint256 communityId, address[] calldata members) external;

    /**
     * @notice Withdraws the attestation of `members`. Steward only. Idempotent: non-members are skipped without an
     * event.
     * @param communityId The community.
     * @param members 1..200 addresses.
     */
    function removeMembers(uint256 communityId, address[] calldata members) external;

    /**
     * @notice Whether `account` is an attested member of `communityId`.
     * @param communityId The community (must exist).
     * @param account The account.
     * @return member True when attested.
     */
    function isMember(uint256 communityId, address account) external view returns (bool member);

    /**
     * @notice Whether `account` is a steward of `communityId`.
     * @param communityId The community (must exist).
     * @param account The account.
     * @return steward True when a steward.
     */
    function isSteward(uint256 communityId, address account) external view returns (bool steward);

    /**
     * @notice Whether a community with id `communityId` exists (never reverts).
     * @param communityId The id.
     * @return exists True when registered.
     */
    function communityExists(uint256 communityId) external view returns (bool exists);

    /**
     * @notice The community with id `communityId`.
     * @param communityId The id (must exist).
     * @return community Its data.
     */
    function getCommunity(uint256 communityId) external view returns (Community memory community);

    /**
     * @notice Number of communities ever created (the highest id).
     * @return count The count.
     */
    function communityCount() external view returns (uint256 count);

    /**
     * @notice The id of the community with `slug` ignoring ASCII case, or 0 when none has it.
     * @param slug The slug.
     * @return communityId The id or 0.
     */
    function communityIdBySlug(string calldata slug) external view returns (uint256 communityId);

    /**
     * @notice Number of attested members of `communityId`.
     * @param communityId The community (must exist).
     * @return count The count.
     */
    function memberCount(uint256 communityId) external view returns (uint256 count);

    /**
     * @notice Adds `amount` tokens from the caller to the bond of `communityId` (approve the registry first).
     * @dev Credits what arrived, so a fee-on-transfer token bonds less than `amount`.
     * Requirements: caller is a steward; `amount > 0`; something arrives. Emits {CommunityBondPosted}.
     * @param communityId The community.
     * @param amount Token units to pull from the caller.
     */
    function postBond(uint256 communityId, uint256 amount) external;

    /**
     * @notice Sends `amount` of the bond of `communityId` to the caller. The stewards share one bond: any steward may
     * withdraw it.
     * Requirements: caller is a steward; the community is not recognized; `0 < amount <= bondOf(communityId)`.
     * Emits {CommunityBondWithdrawn}.
     * @param communityId The community.
     * @param amount Token units.
     */
    function withdrawBond(uint256 communityId, uint256 amount) external;

    /**
     * @notice Recognizes `communityId`: its attestations count as membership for rewards. GOVERNOR_ROLE only.
     * Requirements: the community exists and is not recognized; `bondOf(communityId) >= minBond()`.
     * Emits {CommunityRecognized}.
     * @param communityId The community.
     */
    function recognize(uint256 communityId) external;

    /**
     * @notice Revokes the recognition of `communityId`; its stewards may then withdraw the bond. GOVERNOR_ROLE only.
     * To punish a community, call {slashBond} instead: revoking first would let its stewards withdraw.
     * Requirements: the community is recognized. Emits {CommunityRecognitionRevoked}.
     * @param communityId The community.
     */
    function revokeRecognition(uint256 communityId) external;

    /**
     * @notice Slashes `amount` of the bond of `communityId` to `recipient` (e.g. the challenger or the reward
     * treasury) and revokes its recognition if it is recognized. GOVERNOR_ROLE only.
     * Requirements: the community exists; `recipient != 0`; `0 < amount <= bondOf(communityId)`.
     * Emits {CommunityBondSlashed} and, when it was recognized, {CommunityRecognitionRevoked}.
     * @param communityId The community.
     * @param amount Token units.
     * @param recipient Who receives the slashed tokens.
     */
    function slashBond(uint256 communityId, uint256 amount, address recipient) external;

    /**
     * @notice Whether `communityId` is recognized.
     * @param communityId The community (must exist).
     * @return recognized True when recognized.
     */
    function isRecognized(uint256 communityId) external view returns (bool recognized);

    /**
     * @notice The bond of `communityId`.
     * @param communityId The community (must exist).
     * @return bond Token units.
     */
    function bondOf(uint256 communityId) external view returns (uint256 bond);

    /**
     * @notice The smallest bond with which a community can be recognized (fixed at deployment).
     * @return amount Token units.
     */
    function minBond() external view returns (uint256 amount);

    /**
     * @notice The bond token.
     * @return token_ Its address.
     */
    function bondToken() external view returns (address token_);
}
